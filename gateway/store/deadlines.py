"""Deadline events (overdue marks and reminders) of the cases whose agency owes an answer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, exists, select

from gateway.domain.case import AWAITING_AGENCY
from gateway.store import tables as t
from gateway.store.base import _Repository
from gateway.store.petitions import CaseRecord, case_record


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


class DeadlineRepository(_Repository):
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
                t.cases.c.state.in_([s.value for s in AWAITING_AGENCY]),
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
                t.cases.c.state.in_([s.value for s in AWAITING_AGENCY]),
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
            .where(t.cases.c.state.in_([s.value for s in AWAITING_AGENCY]))
            .limit(limit)
        )
        return [r[0] for r in rows]
