"""Nhật ký kiểm toán: the hash-chained, sealed audit trail and what proves it.

- :mod:`chain` — the canonical form of an event and the hash that links it to the previous one
  (pure, standard library only);
- appending a transaction's events to the chain at commit, serialised, is the store's
  (:mod:`gateway.store.audit_log`);
- :mod:`seal` — the gateway's signed seal of the chain head, and the sealing loop;
- :mod:`verify` — recomputing the chain, the seals and every stored document;
- :mod:`bundle` — a petition's self-contained evidence bundle and its offline verification;
- :mod:`trail` — the operator's readable timeline of a petition.
"""
