"""Nhật ký kiểm toán, what needs no database: the seal document's format
(:mod:`seal_document`) and the offline verification of an evidence bundle (:mod:`offline`).

The hash chain itself is pure domain code (:mod:`gateway.domain.audit`); appending to it and
reading it back is the store's (:mod:`gateway.store.audit_log`, :mod:`gateway.store.seals`);
sealing, the trail, the export and verification are use cases (:mod:`gateway.service.audit`).
"""
