"""Dead letters as rows: the database, not the broker, is the record of failures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, update

from gateway.store import tables as t
from gateway.store.base import _Repository

dl = t.dead_letters


@dataclass(frozen=True)
class DeadLetterRecord:
    id: int
    message_id: str
    queue: str
    body: bytes
    code: str
    reason: str
    delivery_id: str | None
    dead_at: datetime
    replayed_at: datetime | None
    replayed_by: str | None
    replay_message_id: str | None

    def summary(self) -> dict[str, Any]:
        """What an operator sees (no body: it can carry a petitioner's personal data)."""
        return {
            "id": self.id,
            "message_id": self.message_id,
            "queue": self.queue,
            "code": self.code,
            "reason": self.reason,
            "delivery_id": self.delivery_id,
            "dead_at": self.dead_at.isoformat(),
            "size": len(self.body),
            "replayed_at": self.replayed_at.isoformat() if self.replayed_at else None,
            "replay_message_id": self.replay_message_id,
        }


def _record(row: Any) -> DeadLetterRecord:
    return DeadLetterRecord(
        row.id,
        row.message_id,
        row.queue,
        bytes(row.body),
        row.code,
        row.reason,
        row.delivery_id,
        row.dead_at,
        row.replayed_at,
        row.replayed_by,
        row.replay_message_id,
    )


class DeadLetterRepository(_Repository):
    def add(
        self,
        *,
        message_id: str,
        queue: str,
        body: bytes,
        code: str,
        reason: str,
        delivery_id: str | None,
        at: datetime,
    ) -> bool:
        """Record a dead letter; False (and nothing written) if its message id is recorded."""
        if self.c.execute(select(dl.c.id).where(dl.c.message_id == message_id)).first():
            return False
        self.c.execute(
            insert(dl).values(
                message_id=message_id,
                queue=queue,
                body=body,
                code=code,
                reason=reason,
                delivery_id=delivery_id,
                dead_at=at,
            )
        )
        return True

    def listing(self, *, include_replayed: bool, limit: int) -> list[DeadLetterRecord]:
        query = select(dl).order_by(dl.c.id).limit(limit)
        if not include_replayed:
            query = query.where(dl.c.replayed_at.is_(None))
        return [_record(r) for r in self.c.execute(query)]

    def depth(self) -> int:
        """Dead letters not replayed."""
        query = select(func.count()).select_from(dl).where(dl.c.replayed_at.is_(None))
        return int(self.c.execute(query).scalar_one())

    def get(self, dead_letter_id: int, *, for_update: bool = False) -> DeadLetterRecord | None:
        query = select(dl).where(dl.c.id == dead_letter_id)
        if for_update and self._postgres:
            query = query.with_for_update()
        row = self.c.execute(query).first()
        return None if row is None else _record(row)

    def mark_replayed(
        self, dead_letter_id: int, *, at: datetime, actor: str, message_id: str
    ) -> None:
        self.c.execute(
            update(dl)
            .where(dl.c.id == dead_letter_id)
            .values(replayed_at=at, replayed_by=actor, replay_message_id=message_id)
        )
