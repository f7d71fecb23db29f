"""Repositories for what adapters need besides their configuration: circuit breakers, the
pull-inbox tokens of agencies, and the exact exchanges (envelopes) of each delivery attempt."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, delete, insert, select, update

from gateway.domain.circuit import Circuit, CircuitState
from gateway.domain.delivery import DeliveryState
from gateway.store import tables as t
from gateway.store.repositories import _Repository, new_id


class CircuitRepository(_Repository):
    def get(self, adapter_id: int, *, for_update: bool = False) -> Circuit:
        query = select(t.adapter_circuits).where(t.adapter_circuits.c.adapter_id == adapter_id)
        if for_update:
            query = query.with_for_update()
        row = self.c.execute(query).first()
        if row is None:
            return Circuit(adapter_id)
        return Circuit(
            adapter_id, CircuitState(row.state), row.failures, row.open_until, row.last_error
        )

    def all(self) -> dict[int, Circuit]:
        rows = self.c.execute(select(t.adapter_circuits))
        return {
            row.adapter_id: Circuit(
                row.adapter_id,
                CircuitState(row.state),
                row.failures,
                row.open_until,
                row.last_error,
            )
            for row in rows
        }

    def save(self, circuit: Circuit, *, at: datetime) -> None:
        """Every adapter gets its row when it is added (migration 0004 made those of older
        adapters), so this is an update; the insert is for rows removed by hand."""
        values = {
            "state": circuit.state.value,
            "failures": circuit.failures,
            "open_until": circuit.open_until,
            "last_error": (circuit.last_error or "")[:2000] or None,
            "updated_at": at,
        }
        done = self.c.execute(
            update(t.adapter_circuits)
            .where(t.adapter_circuits.c.adapter_id == circuit.adapter_id)
            .values(**values)
        )
        if done.rowcount == 0:
            self.c.execute(
                insert(t.adapter_circuits).values(adapter_id=circuit.adapter_id, **values)
            )

    def remove(self, adapter_id: int) -> None:
        self.c.execute(
            delete(t.adapter_circuits).where(t.adapter_circuits.c.adapter_id == adapter_id)
        )


def token_digest(token: str) -> str:
    """Tokens are 256-bit random strings: a plain SHA-256 is enough to store them safely."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class AgencyToken:
    token_id: str
    organ_id: str
    created_at: datetime
    revoked_at: datetime | None


class TokenRepository(_Repository):
    def add(self, organ_id: str, token: str, *, at: datetime) -> str:
        token_id = new_id()
        self.c.execute(
            insert(t.agency_tokens).values(
                token_id=token_id,
                organ_id=organ_id,
                token_sha256=token_digest(token),
                created_at=at,
            )
        )
        return token_id

    def organ_for(self, token: str) -> str | None:
        """The agency a live token belongs to, or None."""
        return self.c.execute(
            select(t.agency_tokens.c.organ_id).where(
                t.agency_tokens.c.token_sha256 == token_digest(token),
                t.agency_tokens.c.revoked_at.is_(None),
            )
        ).scalar()

    def for_organ(self, organ_id: str) -> list[AgencyToken]:
        rows = self.c.execute(
            select(t.agency_tokens)
            .where(t.agency_tokens.c.organ_id == organ_id)
            .order_by(t.agency_tokens.c.created_at)
        )
        return [AgencyToken(r.token_id, r.organ_id, r.created_at, r.revoked_at) for r in rows]

    def revoke_all(self, organ_id: str, *, at: datetime) -> int:
        done = self.c.execute(
            update(t.agency_tokens)
            .where(t.agency_tokens.c.organ_id == organ_id, t.agency_tokens.c.revoked_at.is_(None))
            .values(revoked_at=at)
        )
        return int(done.rowcount)


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


@dataclass(frozen=True)
class InboxItem:
    delivery_id: str
    document_id: str
    doc_key: str
    sha256: str
    size: int
    kind: str
    since: datetime
    state: str


class InboxRepository(_Repository):
    """A pull agency's inbox: its deliveries waiting for acknowledgement."""

    def _query(self) -> Select[Any]:
        d, doc = t.deliveries, t.documents
        return select(
            d.c.delivery_id,
            d.c.document_id,
            doc.c.doc_key,
            doc.c.sha256,
            doc.c.size,
            doc.c.kind,
            d.c.updated_at,
            d.c.state,
        ).join(doc, doc.c.document_id == d.c.document_id)

    def waiting(self, organ_id: str, *, limit: int = 100) -> list[InboxItem]:
        rows = self.c.execute(
            self._query()
            .where(
                t.deliveries.c.organ_id == organ_id,
                t.deliveries.c.state == DeliveryState.INBOX.value,
            )
            .order_by(t.deliveries.c.updated_at, t.deliveries.c.delivery_id)
            .limit(limit)
        )
        return [InboxItem(*row) for row in rows]

    def for_document(self, document_id: str, organ_id: str) -> InboxItem | None:
        row = self.c.execute(
            self._query().where(
                t.deliveries.c.document_id == document_id, t.deliveries.c.organ_id == organ_id
            )
        ).first()
        return InboxItem(*row) if row else None
