"""The ``pull`` delivery mode: nothing is pushed. The agency's e-office system fetches its
documents from its inbox on the gateway (like the national document exchange platform: list, get,
acknowledge):

    GET  /v1/agencies/{organ_id}/inbox        Authorization: Bearer <the agency's token>
    GET  /v1/documents/{id}
    POST /v1/documents/{id}/ack               (body: optionally the agency's signed receipt)

A document stays in the inbox until acknowledged; the deadline clock starts at the
acknowledgement. The token is issued when the adapter is added (shown once, stored hashed).

``pull`` is configured like an adapter kind (``gateway adapter add G17 --kind pull``), but it is
not an :class:`~adapters.base.Adapter`: there is nothing to call. The registry knows it as the
inbox mode (:attr:`adapters.registry.DeliveryMode.INBOX`), and the delivery use case puts its
documents in the inbox instead of building an adapter.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gateway.errors import InputInvalid

NAME = "pull"
SUMMARY = "nothing pushed: the agency fetches from its inbox on the gateway (token auth)"
DIAGNOSIS = "documents wait in the agency's inbox until it acknowledges them"
ACCEPTED = frozenset({"breaker_failures", "breaker_cooldown"})
"""The only keys a pull configuration may have (the circuit settings every kind takes)."""


def check_config(config: Mapping[str, Any]) -> str:
    """Check a pull configuration (it takes none). Returns the one-line diagnosis.

    Raises:
        InputInvalid: it has keys a pull agency cannot use (named).
    """
    unknown = sorted(set(config) - ACCEPTED)
    if unknown:
        raise InputInvalid(f"pull adapter: takes no configuration (got {', '.join(unknown)})")
    return DIAGNOSIS
