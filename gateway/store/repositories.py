"""The audit log's repository: events recorded by a unit of work, chained at its commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select

from gateway.store import tables as t
from gateway.store.audit_log import PendingEvent
from gateway.store.audit_log import append as append_events
from gateway.store.base import _Repository


@dataclass(frozen=True)
class AuditEvent:
    seq: int
    at: datetime
    actor: str
    action: str
    petition_id: str | None
    case_id: int | None
    document_id: str | None
    organ_id: str | None
    sha256: str | None
    details: dict[str, Any]


class AuditRepository(_Repository):
    """Nhật ký: append-only; written in the same transaction as the change it records."""

    def __init__(self, connection: Connection) -> None:
        super().__init__(connection)
        self._pending: list[PendingEvent] = []

    def record(
        self,
        action: str,
        *,
        actor: str,
        at: datetime,
        petition_id: str | None = None,
        case_id: int | None = None,
        document_id: str | None = None,
        organ_id: str | None = None,
        sha256: str | None = None,
        **details: Any,
    ) -> None:
        """Record an event; it joins the hash chain when the unit of work commits
        (:meth:`chain`, see :mod:`gateway.store.audit_log`)."""
        self._pending.append(
            PendingEvent.of(
                action,
                actor=actor,
                at=at,
                petition_id=petition_id,
                case_id=case_id,
                document_id=document_id,
                organ_id=organ_id,
                sha256=sha256,
                details=details,
            )
        )

    def chain(self) -> None:
        """Append the recorded events to the chain, in this transaction (just before commit)."""
        pending, self._pending = self._pending, []
        append_events(self.c, pending)

    def count(self, *, from_seq: int | None = None, to_seq: int | None = None) -> int:
        """How many events the chain holds (between two sequence numbers, inclusive)."""
        query = select(func.count()).select_from(t.audit_events)
        if from_seq is not None:
            query = query.where(t.audit_events.c.seq >= from_seq)
        if to_seq is not None:
            query = query.where(t.audit_events.c.seq <= to_seq)
        return int(self.c.execute(query).scalar_one())

    def for_petition(self, petition_id: str) -> list[AuditEvent]:
        rows = self.c.execute(
            select(t.audit_events)
            .where(t.audit_events.c.petition_id == petition_id)
            .order_by(t.audit_events.c.seq)
        )
        return [
            AuditEvent(
                row.seq,
                row.at,
                row.actor,
                row.action,
                row.petition_id,
                row.case_id,
                row.document_id,
                row.organ_id,
                row.sha256,
                row.details,
            )
            for row in rows
        ]
