"""Calendar commands: when a period of working days ends, and why.

Both read only the calendar (the `holidays` package plus the overrides file named by
GATEWAY_CALENDAR_OVERRIDES): no database, broker or key.
"""

from __future__ import annotations

from datetime import date

import click

from gateway.cli import common
from gateway.domain.calendar import HANDLING_DAYS, WorkingCalendar
from gateway.errors import InputInvalid

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _day(text: str) -> date:
    try:
        day = date.fromisoformat(text)
    except ValueError as e:
        raise InputInvalid(f"{text!r} is not a date (YYYY-MM-DD)") from e
    _known(day)
    return day


def _known(day: date) -> None:
    """Holidays are loaded for DEFAULT_YEARS only: refuse to count outside them."""
    from gateway.calendar_source import DEFAULT_YEARS

    if day.year not in DEFAULT_YEARS:
        raise InputInvalid(
            f"{day.isoformat()} is outside the calendar's years "
            f"({DEFAULT_YEARS.start}–{DEFAULT_YEARS.stop - 1})"
        )


def _calendar() -> WorkingCalendar:
    from gateway.calendar_source import calendar_from_file

    return calendar_from_file(common.settings().calendar_overrides)


def _check_range(calendar_days: int) -> int:
    if not 1 <= calendar_days <= 1000:
        raise InputInvalid("--days must be between 1 and 1000")
    return calendar_days


@click.group()
def calendar() -> None:
    """The working-day calendar (ngày làm việc) and the 20-working-day deadline."""


@calendar.command("due")
@click.argument("day", metavar="DATE")
@click.option(
    "--days",
    type=int,
    default=HANDLING_DAYS,
    show_default=True,
    help="Length of the period in working days.",
)
def calendar_due(day: str, days: int) -> None:
    """The due date of a period started on DATE (the day itself is not counted)."""
    start, days = _day(day), _check_range(days)
    cal = _calendar()
    due = cal.add_working_days(start, days)
    _known(due)
    click.echo(
        f"{due.isoformat()}  ({WEEKDAYS[due.weekday()]}; {days} working days after "
        f"{start.isoformat()}; calendar {cal.version})"
    )


@calendar.command("explain")
@click.argument("days_", nargs=-1, required=True, metavar="DATE…")
@click.option(
    "--days",
    type=int,
    default=HANDLING_DAYS,
    show_default=True,
    help="Length of the period in working days.",
)
def calendar_explain(days_: tuple[str, ...], days: int) -> None:
    """For each DATE: the due date and every day skipped on the way, with the reason."""
    starts, days = [_day(d) for d in days_], _check_range(days)
    cal = _calendar()
    for start in starts:
        explanation = cal.explain(start, days)
        _known(explanation.due)
        click.echo(
            f"{start.isoformat()} → due {explanation.due.isoformat()} "
            f"({WEEKDAYS[explanation.due.weekday()]}): {days} working days counted, "
            f"{len(explanation.skipped)} skipped"
        )
        for skipped in explanation.skipped:
            click.echo(
                f"  skipped {skipped.day.isoformat()} {WEEKDAYS[skipped.day.weekday()]}"
                f"  {skipped.reason}"
            )
        worked = [d for d in explanation.counted if d.weekday() >= 5]
        for day in worked:
            click.echo(
                f"  counted {day.isoformat()} {WEEKDAYS[day.weekday()]}"
                f"  {cal.extra_working_days.get(day, 'working day')}"
            )
    click.echo(f"calendar {cal.version}")


COMMANDS = (calendar,)
