"""The exact exchanges (request and response envelopes) of each delivery attempt."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select

from gateway.store import tables as t
from gateway.store.base import _Repository


@dataclass(frozen=True)
class Exchange:
    """One request/response pair of a delivery attempt, byte for byte (delivery evidence)."""

    delivery_id: str
    attempt: int
    adapter_kind: str
    outcome: str
    request: bytes
    response: bytes | None
    at: datetime


class ExchangeRepository(_Repository):
    def add(self, exchange: Exchange) -> None:
        self.c.execute(
            insert(t.delivery_exchanges).values(
                delivery_id=exchange.delivery_id,
                attempt=exchange.attempt,
                adapter_kind=exchange.adapter_kind,
                outcome=exchange.outcome,
                request=exchange.request,
                response=exchange.response,
                request_sha256=hashlib.sha256(exchange.request).hexdigest(),
                response_sha256=(
                    hashlib.sha256(exchange.response).hexdigest()
                    if exchange.response is not None
                    else None
                ),
                at=exchange.at,
            )
        )

    def for_delivery(self, delivery_id: str) -> list[Exchange]:
        rows = self.c.execute(
            select(t.delivery_exchanges)
            .where(t.delivery_exchanges.c.delivery_id == delivery_id)
            .order_by(t.delivery_exchanges.c.id)
        )
        return [
            Exchange(
                r.delivery_id,
                r.attempt,
                r.adapter_kind,
                r.outcome,
                bytes(r.request),
                bytes(r.response) if r.response is not None else None,
                r.at,
            )
            for r in rows
        ]
