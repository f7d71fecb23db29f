"""Chính sách tính hạn: when the 20-working-day clock starts and restarts, as data.

The directive: handling information within 20 working days of the petition's receipt, or of the
previous status information. So the clock starts when the agency receives the petition (its
acknowledgement of the delivery), every status information from the agency starts a new period,
and the total elapsed working days since the first receipt are kept too (reports show both).
The scheduler emits a reminder when ``reminder_days`` working days are left and an OVERDUE event
the moment a period ends without news.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from enum import StrEnum

from gateway.domain.calendar import HANDLING_DAYS, WorkingCalendar


class ClockStart(StrEnum):
    AGENCY_RECEIPT = "agency_receipt"  # the agency acknowledged the delivery (receipt / 01)
    SYSTEM_RECEIPT = "system_receipt"  # the petition was received on the system


class DeadlineEventKind(StrEnum):
    REMINDER = "reminder"
    OVERDUE = "overdue"


@dataclass(frozen=True)
class ClockPolicy:
    start: ClockStart = ClockStart.AGENCY_RECEIPT
    restart_on_status: bool = True
    period_days: int = HANDLING_DAYS
    reminder_days: int = 3
    """Remind the agency when this many working days of the period are left (0: never)."""


DEFAULT_POLICY = ClockPolicy()


def working_days_before(calendar: WorkingCalendar, day: date, days: int) -> date:
    """The working day ``days`` working days before ``day`` (``day`` itself not counted)."""
    count = 0
    while count < days:
        day -= timedelta(days=1)
        if calendar.is_working_day(day):
            count += 1
    return day


def reminder_at(
    due_date: date, policy: ClockPolicy, calendar: WorkingCalendar, zone: tzinfo
) -> datetime | None:
    """When the reminder is due: the end of the working day after which exactly
    ``policy.reminder_days`` working days are left (None if reminders are off)."""
    if policy.reminder_days < 1:
        return None
    last_quiet_day = working_days_before(calendar, due_date, policy.reminder_days)
    return datetime.combine(last_quiet_day + timedelta(days=1), time(0, 0), tzinfo=zone)


def elapsed_working_days(
    calendar: WorkingCalendar, since: datetime, now: datetime, zone: tzinfo
) -> int:
    """Working days elapsed after the day of ``since`` up to and including the day of ``now``."""
    return calendar.working_days_between(since.astimezone(zone).date(), now.astimezone(zone).date())
