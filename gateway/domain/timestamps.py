"""Thời điểm hợp lý: which times an agency may claim for what it sends.

An agency's clock is not ours: an edXML ``Timestamp`` (naive, Vietnam's local time) is the
sender's claim. A claim is plausible when it is a real moment within ``[not_before - skew,
now + skew]``: ``not_before`` is when the gateway received the petition (nothing about it can
have happened earlier), ``now`` is the gateway's clock, and ``skew`` is the allowance for clocks
that are a little off. A date (``PromulgationDate``) is checked at date granularity: it must fall
on a local day from the day of ``not_before - skew`` to the day of ``now + skew``.

The policy is data (:class:`TimeWindow`); its methods answer the problem in words, or None. They
never raise for an out-of-range value (year 1, year 9999): converting such a local time to UTC
overflows, and that too is only a problem to report.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo

DEFAULT_SKEW = timedelta(minutes=5)


def instant(stamp: datetime, zone: tzinfo) -> datetime | None:
    """``stamp`` as an aware UTC moment (a naive one is wall time in ``zone``), or None when it
    is not one that can be represented (e.g. 0001-01-01 00:00 at UTC+7 is in year 0 in UTC)."""
    try:
        local = stamp if stamp.tzinfo is not None else stamp.replace(tzinfo=zone)
        return local.astimezone(UTC)
    except (OverflowError, ValueError):
        return None


def _shifted(moment: datetime, delta: timedelta) -> datetime | None:
    try:
        return moment + delta
    except OverflowError:
        return None


@dataclass(frozen=True)
class TimeWindow:
    """The times an agency may claim: ``[not_before - skew, now + skew]``."""

    skew: timedelta = DEFAULT_SKEW

    def __post_init__(self) -> None:
        if self.skew < timedelta(0):
            raise ValueError("the clock skew allowance cannot be negative")

    def problem(
        self, stamp: datetime, *, zone: tzinfo, not_before: datetime | None, now: datetime
    ) -> str | None:
        """Why ``stamp`` (naive: wall time in ``zone``) is not a plausible time, or None.

        ``not_before`` and ``now`` are aware; without ``not_before`` only the upper bound holds.
        """
        moment = instant(stamp, zone)
        if moment is None:
            return f"{_show(stamp)} is not a representable time"
        latest = _shifted(now, self.skew)
        if latest is not None and moment > latest:
            return (
                f"{_local(moment, zone)} is more than {_span(self.skew)} after the gateway's "
                f"clock ({_local(now, zone)})"
            )
        if not_before is not None:
            earliest = _shifted(not_before, -self.skew)
            if earliest is not None and moment < earliest:
                return (
                    f"{_local(moment, zone)} is more than {_span(self.skew)} before the petition "
                    f"was received ({_local(not_before, zone)})"
                )
        return None

    def date_problem(
        self, day: date, *, zone: tzinfo, not_before: datetime | None, now: datetime
    ) -> str | None:
        """Why ``day`` (a local calendar date) is not a plausible date, or None."""
        latest = _local_date(_shifted(now, self.skew), zone)
        if latest is not None and day > latest:
            return f"{day.isoformat()} is after the gateway's date ({latest.isoformat()})"
        if not_before is not None:
            earliest = _local_date(_shifted(not_before, -self.skew), zone)
            if earliest is not None and day < earliest:
                return (
                    f"{day.isoformat()} is before the petition was received "
                    f"({earliest.isoformat()})"
                )
        return None

    def plausible(
        self,
        stamp: datetime | None,
        *,
        zone: tzinfo,
        not_before: datetime | None,
        now: datetime,
    ) -> bool:
        """Whether ``stamp`` is present and plausible (for times already stored)."""
        return stamp is not None and (
            self.problem(stamp, zone=zone, not_before=not_before, now=now) is None
        )


def _local_date(moment: datetime | None, zone: tzinfo) -> date | None:
    if moment is None:
        return None
    try:
        return moment.astimezone(zone).date()
    except (OverflowError, ValueError):
        return None


def _local(moment: datetime, zone: tzinfo) -> str:
    try:
        return _show(moment.astimezone(zone))
    except (OverflowError, ValueError):
        return _show(moment)


def _show(moment: datetime) -> str:
    return moment.replace(tzinfo=None, microsecond=0).isoformat(sep=" ")


def _span(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    return f"{seconds // 60} min" if seconds % 60 == 0 and seconds else f"{seconds} s"
