"""The ``pull`` kind: nothing is pushed. The agency's e-office system fetches its documents from
its inbox on the gateway (like the national document exchange platform: list, get, acknowledge):

    GET  /v1/agencies/{organ_id}/inbox        Authorization: Bearer <the agency's token>
    GET  /v1/documents/{id}
    POST /v1/documents/{id}/ack               (body: optionally the agency's signed receipt)

A document stays in the inbox until acknowledged; the deadline clock starts at the
acknowledgement. The token is issued when the adapter is added (shown once, stored hashed).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from adapters.base import Adapter, AdapterResponse, OutboundDocument
from gateway.errors import InputInvalid


class PullAdapter(Adapter):
    kind = "pull"
    holds_for_pickup = True
    summary = "nothing pushed: the agency fetches from its inbox on the gateway (token auth)"

    @classmethod
    def from_config(cls, config: Mapping[str, Any], *, timeout: float) -> PullAdapter:
        unknown = sorted(set(config) - {"breaker_failures", "breaker_cooldown"})
        if unknown:
            raise InputInvalid(f"pull adapter: takes no configuration (got {', '.join(unknown)})")
        return cls()

    def check(self) -> str:
        return "documents wait in the agency's inbox until it acknowledges them"

    def deliver(self, document: OutboundDocument) -> AdapterResponse:
        """Never pushes: the delivery use case puts the document in the inbox instead."""
        return AdapterResponse("INBOX", b"")
