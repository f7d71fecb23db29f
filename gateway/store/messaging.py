"""Messaging: the outbox (messages committed with the change that sends them) and the
messages already processed (so that a redelivered one is skipped)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, insert, select, update

from gateway.store import tables as t
from gateway.store.base import _Repository, new_id


@dataclass(frozen=True)
class OutboxMessage:
    id: int
    message_id: str
    queue: str
    body: bytes


class OutboxRepository(_Repository):
    def add(self, queue: str, body: bytes, *, at: datetime, message_id: str | None = None) -> str:
        message_id = message_id or new_id()
        self.c.execute(
            insert(t.outbox).values(message_id=message_id, queue=queue, body=body, created_at=at)
        )
        return message_id

    def claim_unpublished(self, limit: int) -> list[OutboxMessage]:
        """Oldest unpublished rows, locked so that two relays never take the same ones."""
        query = (
            select(t.outbox.c.id, t.outbox.c.message_id, t.outbox.c.queue, t.outbox.c.body)
            .where(t.outbox.c.published_at.is_(None))
            .order_by(t.outbox.c.id)
            .limit(limit)
        )
        if self._postgres:
            query = query.with_for_update(skip_locked=True)
        return [
            OutboxMessage(row.id, row.message_id, row.queue, bytes(row.body))
            for row in self.c.execute(query)
        ]

    def mark_published(self, ids: Sequence[int], *, at: datetime) -> None:
        if ids:
            self.c.execute(update(t.outbox).where(t.outbox.c.id.in_(ids)).values(published_at=at))

    def oldest_pending_at(self) -> datetime | None:
        """When the oldest row not yet published was committed (None: nothing waits)."""
        o = t.outbox.c
        return self.c.execute(  # type: ignore[no-any-return]
            select(func.min(o.created_at)).where(o.published_at.is_(None))
        ).scalar_one()

    def pending_count(self) -> int:
        return int(
            self.c.execute(
                select(func.count()).select_from(t.outbox).where(t.outbox.c.published_at.is_(None))
            ).scalar_one()
        )


class ProcessedMessageRepository(_Repository):
    """Messages whose effect is committed: a redelivered one is acknowledged and skipped."""

    def seen(self, message_id: str) -> bool:
        return (
            self.c.execute(
                select(t.processed_messages.c.message_id).where(
                    t.processed_messages.c.message_id == message_id
                )
            ).first()
            is not None
        )

    def mark(self, message_id: str, handler: str, *, at: datetime) -> None:
        self.c.execute(
            insert(t.processed_messages).values(
                message_id=message_id, handler=handler, processed_at=at
            )
        )
