"""Ngày làm việc: the working-day calendar and the 20-working-day deadline.

Working days are Monday–Friday, minus official holidays and announced days off, plus announced
working Saturdays/Sundays (ngày làm bù). The calendar is data passed in: this module does not
know where holidays come from (see ``gateway.calendar_source``).

Counting follows the Civil Code (Bộ luật Dân sự 2015, art. 147): the day of the event is not
counted; the period ends at the end of its last day. A petition received on Friday evening starts
counting on Monday; one received on a holiday likewise starts on the next working day.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo

HANDLING_DAYS = 20
"""The directive's period: handling information within 20 working days."""


@dataclass(frozen=True)
class SkippedDay:
    day: date
    reason: str


@dataclass(frozen=True)
class Explanation:
    """Why a due date is what it is: the days counted and the days skipped."""

    start: date
    due: date
    working_days: int
    counted: tuple[date, ...]
    skipped: tuple[SkippedDay, ...]


@dataclass(frozen=True)
class WorkingCalendar:
    """A working-day calendar with a version that stored due dates record."""

    holidays: Mapping[date, str] = field(default_factory=dict)
    extra_working_days: Mapping[date, str] = field(default_factory=dict)
    """Weekend days that are worked (làm bù)."""
    version: str = "unversioned"

    def is_working_day(self, day: date) -> bool:
        if day in self.extra_working_days:
            return True
        return day.weekday() < 5 and day not in self.holidays

    def why_not_working(self, day: date) -> str | None:
        """The reason ``day`` is not a working day, or None if it is one."""
        if self.is_working_day(day):
            return None
        if day in self.holidays:
            return self.holidays[day]
        return "Saturday" if day.weekday() == 5 else "Sunday"

    def add_working_days(self, start: date, days: int = HANDLING_DAYS) -> date:
        """The last day of a period of ``days`` working days that starts after ``start``."""
        return self.explain(start, days).due

    def explain(self, start: date, days: int = HANDLING_DAYS) -> Explanation:
        if days < 1:
            raise ValueError("a period has at least one working day")
        counted: list[date] = []
        skipped: list[SkippedDay] = []
        day = start
        while len(counted) < days:
            day += timedelta(days=1)
            reason = self.why_not_working(day)
            if reason is None:
                counted.append(day)
            else:
                skipped.append(SkippedDay(day, reason))
        return Explanation(start, day, days, tuple(counted), tuple(skipped))

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after ``start`` up to and including ``end`` (0 if end <= start)."""
        count = 0
        day = start
        while day < end:
            day += timedelta(days=1)
            if self.is_working_day(day):
                count += 1
        return count


@dataclass(frozen=True)
class Deadline:
    """Hạn xử lý: when handling information is due, and how it was computed."""

    clock_start: datetime
    due_date: date
    due_at: datetime
    """End of the due date in local time (the first instant after it), as an aware datetime."""
    calendar_version: str


def deadline_from(
    event_at: datetime,
    calendar: WorkingCalendar,
    zone: tzinfo,
    days: int = HANDLING_DAYS,
) -> Deadline:
    """The deadline of a period started by an event at ``event_at`` (aware), counted in ``zone``."""
    if event_at.tzinfo is None:
        raise ValueError("event_at must be timezone-aware")
    local_day = event_at.astimezone(zone).date()
    due = calendar.add_working_days(local_day, days)
    due_at = datetime.combine(due + timedelta(days=1), time(0, 0), tzinfo=zone)
    return Deadline(event_at, due, due_at, calendar.version)
