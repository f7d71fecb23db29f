"""The pull inbox: documents waiting for an agency to fetch and acknowledge them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select

from gateway.domain.delivery import DeliveryState
from gateway.store import tables as t
from gateway.store.base import _Repository


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
