"""Repositories for the lifecycle tables (migration 0005): deadline events, returns,
escalations and the petitioner-identity index. Built on the unit of work's connection:

    lifecycle = uow.lifecycle
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, and_, exists, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from gateway.domain.case import CaseState
from gateway.domain.escalation import Escalation, EscalationLevel, EscalationReason
from gateway.store import tables as t
from gateway.store.petitions import CaseRecord, case_record

OPEN_STATES = (
    CaseState.TRANSFERRED,
    CaseState.ARRIVED,
    CaseState.ACCEPTED,
    CaseState.ASSIGNED,
    CaseState.PROCESSING,
    CaseState.FINISHED,
)
"""Cases whose agency still owes handling information: the deadline runs. (A case reopened by
a repeat petition waits for VPCP's decision on the escalation: its old deadline does not run.)"""


@dataclass(frozen=True)
class DeadlineEvent:
    event_id: int
    case_id: int
    petition_id: str
    organ_id: str
    kind: str
    due_at: datetime
    due_date: date
    calendar_version: str
    emitted_at: datetime


@dataclass(frozen=True)
class CaseReturn:
    case_id: int
    petition_id: str
    organ_id: str
    reason: str
    returned_at: datetime
    rerouted_at: datetime | None


class Lifecycle:
    def __init__(self, connection: Connection) -> None:
        self.c = connection

    def _insert_ignoring_duplicates(self, table: Any, **values: Any) -> bool:
        """Insert unless a unique constraint says it exists; True if this call inserted it.
        Concurrent callers serialise on the unique index: exactly one of them wins."""
        dialect = self.c.dialect.name
        if dialect == "postgresql":
            stmt: Any = pg_insert(table).values(**values).on_conflict_do_nothing()
        elif dialect == "sqlite":
            stmt = sqlite_insert(table).values(**values).on_conflict_do_nothing()
        else:  # pragma: no cover - only the two supported backends
            stmt = insert(table).values(**values)
        key = next(iter(table.primary_key.columns))
        return self.c.execute(stmt.returning(key)).first() is not None

    # -- deadline events ---------------------------------------------------------------------

    def open_cases_due_before(self, moment: datetime, *, limit: int = 500) -> list[CaseRecord]:
        """Open cases whose current period ended at or before ``moment`` and that have no
        OVERDUE event for that period yet."""
        already = exists().where(
            and_(
                t.deadline_events.c.case_id == t.cases.c.case_id,
                t.deadline_events.c.kind == "overdue",
                t.deadline_events.c.due_at == t.cases.c.due_at,
            )
        )
        rows = self.c.execute(
            select(t.cases)
            .where(
                t.cases.c.state.in_([s.value for s in OPEN_STATES]),
                t.cases.c.due_at.is_not(None),
                t.cases.c.due_at <= moment,
                ~already,
            )
            .order_by(t.cases.c.due_at)
            .limit(limit)
        )
        return [case_record(row) for row in rows]

    def open_cases_without_reminder(
        self, *, due_after: datetime, due_before: datetime, limit: int = 500
    ) -> list[CaseRecord]:
        """Open cases due in (due_after, due_before] that have had no reminder for their
        current period (a case already past its deadline gets no reminder)."""
        sent = exists().where(
            and_(
                t.deadline_events.c.case_id == t.cases.c.case_id,
                t.deadline_events.c.kind == "reminder",
                t.deadline_events.c.due_at == t.cases.c.due_at,
            )
        )
        rows = self.c.execute(
            select(t.cases)
            .where(
                t.cases.c.state.in_([s.value for s in OPEN_STATES]),
                t.cases.c.due_at > due_after,
                t.cases.c.due_at <= due_before,
                ~sent,
            )
            .order_by(t.cases.c.due_at)
            .limit(limit)
        )
        return [case_record(row) for row in rows]

    def emit(self, record: CaseRecord, kind: str, *, at: datetime) -> bool:
        """Record a deadline event for the case's current period; False if it already exists."""
        assert record.due_at is not None and record.due_date is not None
        return self._insert_ignoring_duplicates(
            t.deadline_events,
            case_id=record.case.case_id,
            petition_id=record.case.petition_id,
            organ_id=record.case.organ_id,
            kind=kind,
            due_at=record.due_at,
            due_date=record.due_date,
            calendar_version=record.calendar_version or "",
            emitted_at=at,
        )

    def events_for_petition(self, petition_id: str) -> list[DeadlineEvent]:
        rows = self.c.execute(
            select(t.deadline_events)
            .where(t.deadline_events.c.petition_id == petition_id)
            .order_by(t.deadline_events.c.event_id)
        )
        return [
            DeadlineEvent(
                r.event_id,
                r.case_id,
                r.petition_id,
                r.organ_id,
                r.kind,
                r.due_at,
                r.due_date,
                r.calendar_version,
                r.emitted_at,
            )
            for r in rows
        ]

    def overdue_petition_ids(self, *, limit: int) -> list[str]:
        """Petitions with an open case whose current period has an OVERDUE event."""
        rows = self.c.execute(
            select(t.cases.c.petition_id)
            .distinct()
            .join(
                t.deadline_events,
                and_(
                    t.deadline_events.c.case_id == t.cases.c.case_id,
                    t.deadline_events.c.due_at == t.cases.c.due_at,
                    t.deadline_events.c.kind == "overdue",
                ),
            )
            .where(t.cases.c.state.in_([s.value for s in OPEN_STATES]))
            .limit(limit)
        )
        return [r[0] for r in rows]

    # -- returns -------------------------------------------------------------------------------

    def lock_petition(self, petition_id: str) -> None:
        """Serialise decisions about one petition (e.g. two agencies returning it at once:
        the second to commit must see the first's return)."""
        query = select(t.petitions.c.petition_id).where(t.petitions.c.petition_id == petition_id)
        if self.c.dialect.name == "postgresql":
            query = query.with_for_update()
        self.c.execute(query)

    def add_return(self, record: CaseRecord, reason: str, *, at: datetime) -> bool:
        return self._insert_ignoring_duplicates(
            t.case_returns,
            case_id=record.case.case_id,
            petition_id=record.case.petition_id,
            organ_id=record.case.organ_id,
            reason=reason,
            returned_at=at,
        )

    def returns_for_petition(self, petition_id: str) -> list[CaseReturn]:
        rows = self.c.execute(
            select(t.case_returns)
            .where(t.case_returns.c.petition_id == petition_id)
            .order_by(t.case_returns.c.return_id)
        )
        return [
            CaseReturn(r.case_id, r.petition_id, r.organ_id, r.reason, r.returned_at, r.rerouted_at)
            for r in rows
        ]

    def mark_rerouted(self, petition_id: str, *, at: datetime) -> list[CaseReturn]:
        pending = [r for r in self.returns_for_petition(petition_id) if r.rerouted_at is None]
        if pending:
            self.c.execute(
                update(t.case_returns)
                .where(
                    t.case_returns.c.petition_id == petition_id,
                    t.case_returns.c.rerouted_at.is_(None),
                )
                .values(rerouted_at=at)
            )
        return pending

    # -- escalations ---------------------------------------------------------------------------

    def add_escalation(self, e: Escalation) -> bool:
        return self._insert_ignoring_duplicates(
            t.escalations,
            petition_id=e.petition_id,
            level=int(e.level),
            reason=e.reason.value,
            detail=e.detail,
            raised_by=e.raised_by,
            raised_at=e.raised_at,
            related_petition_id=e.related_petition_id,
        )

    def escalations_for(self, petition_id: str) -> list[Escalation]:
        rows = self.c.execute(
            select(t.escalations)
            .where(t.escalations.c.petition_id == petition_id)
            .order_by(t.escalations.c.escalation_id)
        )
        return [
            Escalation(
                r.petition_id,
                EscalationLevel(r.level),
                EscalationReason(r.reason),
                r.detail,
                r.raised_by,
                r.raised_at,
                r.related_petition_id,
            )
            for r in rows
        ]

    def escalated_petition_ids(self, *, limit: int) -> list[str]:
        rows = self.c.execute(select(t.escalations.c.petition_id).distinct().limit(limit))
        return [r[0] for r in rows]

    # -- petitioner identity index -------------------------------------------------------------

    def index_identity(self, petition_id: str, key: str) -> None:
        self.c.execute(
            insert(t.petition_identities).values(petition_id=petition_id, identity_key=key)
        )

    def answered_with_identity(
        self, key: str, *, excluding: str, answered: Sequence[CaseState], limit: int
    ) -> list[tuple[str, str, str]]:
        """The same petitioner's other petitions that have an answered case, newest first, at
        most ``limit``: (petition_id, title, content). One query, however prolific they are."""
        p, ids, cases = t.petitions, t.petition_identities, t.cases
        rows = self.c.execute(
            select(p.c.petition_id, p.c.title, p.c.content)
            .join(ids, ids.c.petition_id == p.c.petition_id)
            .where(
                ids.c.identity_key == key,
                ids.c.petition_id != excluding,
                exists().where(
                    cases.c.petition_id == p.c.petition_id,
                    cases.c.state.in_([s.value for s in answered]),
                ),
            )
            .order_by(p.c.received_at.desc())
            .limit(limit)
        )
        return [(r.petition_id, r.title, r.content) for r in rows]
