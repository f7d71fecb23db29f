"""Theo dõi hạn: the scheduler's use case — OVERDUE events and reminders, recorded as they happen.

Overdue is an event stored when the deadline passes (not something computed at read time), so
reports are reproducible. Each event is one row per (case, kind, deadline) under a unique
constraint: two schedulers running at once, or one running twice, never emit an event twice —
the database decides which of them wins, and only the winner writes the audit event.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from gateway.domain.audit import AuditAction
from gateway.domain.deadlines import ClockPolicy, DeadlineEventKind, reminder_at
from gateway.service.services import Services


@dataclass
class Tick:
    """What one pass of the scheduler emitted."""

    overdue: list[int] = field(default_factory=list)
    """Case ids that became overdue."""
    reminders: list[int] = field(default_factory=list)


def clock_policy(svc: Services) -> ClockPolicy:
    """The policy in force: the directive's defaults, with the configured reminder."""
    return svc.deadline_policy


def tick_deadlines(svc: Services, now: datetime | None = None) -> Tick:
    """Emit every OVERDUE event and reminder that is due at ``now`` (default: the clock)."""
    now = now or svc.clock.now()
    tick = Tick()
    policy = clock_policy(svc)
    with svc.store.unit_of_work() as uow:
        deadlines = uow.deadlines
        for record in deadlines.open_cases_due_before(now):
            if deadlines.emit(record, DeadlineEventKind.OVERDUE.value, at=now):
                tick.overdue.append(record.case.case_id)
                uow.audit.record(
                    AuditAction.DEADLINE_OVERDUE,
                    actor="scheduler",
                    at=now,
                    petition_id=record.case.petition_id,
                    case_id=record.case.case_id,
                    organ_id=record.case.organ_id,
                    state=record.case.state.value,
                    due_date=str(record.due_date),
                    due_at=_iso(record.due_at),
                    calendar_version=record.calendar_version,
                )
        # a reminder comes at most reminder_days working days before the deadline: look only at
        # deadlines close enough (calendar days, with room for Tết) and not yet passed
        horizon = now + timedelta(days=policy.reminder_days * 2 + 14)
        for record in deadlines.open_cases_without_reminder(due_after=now, due_before=horizon):
            assert record.due_date is not None and record.due_at is not None
            remind = reminder_at(record.due_date, policy, svc.calendar, svc.zone)
            if remind is None or now < remind or now >= record.due_at:
                continue
            if deadlines.emit(record, DeadlineEventKind.REMINDER.value, at=now):
                tick.reminders.append(record.case.case_id)
                uow.audit.record(
                    AuditAction.DEADLINE_REMINDER,
                    actor="scheduler",
                    at=now,
                    petition_id=record.case.petition_id,
                    case_id=record.case.case_id,
                    organ_id=record.case.organ_id,
                    due_date=str(record.due_date),
                    working_days_left=policy.reminder_days,
                )
        uow.commit()
    return tick


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None
