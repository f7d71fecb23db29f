"""Báo cáo quý: compute the quarterly report from recorded events, trace a figure to its cases,
and mark petitions as useful contributions.

The figures are computed by the pure :mod:`gateway.domain.reports` from the events the store
reads up to the end of the quarter, so a closed quarter gives the same figures every time. A
closed quarter's report is kept in memory once computed (it cannot change); the current
quarter's for a minute, so that the public statistics pages do not recompute it per request.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from gateway.domain.audit import AuditAction
from gateway.domain.deadlines import elapsed_working_days
from gateway.domain.reports import (
    CaseFact,
    Figure,
    Quarter,
    QuarterlyReport,
    WorkingDays,
    classify,
    compute,
    fold,
)
from gateway.errors import InputInvalid, NotFound
from gateway.service.services import Services

OPEN_QUARTER_SECONDS = 60.0
"""How long the current quarter's figures are reused before they are computed again."""


def quarterly_report(svc: Services, quarter: Quarter) -> QuarterlyReport:
    """The report for ``quarter`` as of now (final once the quarter has ended)."""
    now = svc.clock.now()
    if now < quarter.start(svc.zone):
        raise InputInvalid(f"quarter {quarter} has not begun")
    key = (quarter, svc.report_thresholds)
    cached = svc._reports.get(key)
    if cached is not None:
        stamp, report = cached
        assert isinstance(report, QuarterlyReport)
        if report.closed or time.monotonic() - stamp < OPEN_QUARTER_SECONDS:
            return report
    report = _compute(svc, quarter, now)
    svc._reports[key] = (time.monotonic(), report)
    return report


def _compute(svc: Services, quarter: Quarter, now: datetime) -> QuarterlyReport:
    end = quarter.end(svc.zone)
    with svc.store.unit_of_work() as uow:
        events = uow.reports.events(before=min(now, end))
        petitions = uow.reports.petitions(before=min(now, end))
        agencies = uow.reports.agency_names()
        useful = uow.reports.useful(before=min(now, end))
    return compute(
        quarter,
        petitions=petitions,
        events=events,
        agencies=agencies,
        useful=useful,
        now=now,
        zone=svc.zone,
        working_days=working_days_counter(svc),
        calendar_version=svc.calendar.version,
        thresholds=svc.report_thresholds,
    )


def working_days_counter(svc: Services) -> WorkingDays:
    """Working days between two instants on the gateway's calendar (memoised per day pair:
    a report asks the same pairs thousands of times)."""
    calendar, zone = svc.calendar, svc.zone

    @lru_cache(maxsize=65536)
    def between(since: datetime, until: datetime) -> int:
        return elapsed_working_days(calendar, since, until, zone)

    def count(since: datetime, until: datetime) -> int:
        return between(
            since.astimezone(zone).replace(hour=0, minute=0, second=0, microsecond=0),
            until.astimezone(zone).replace(hour=0, minute=0, second=0, microsecond=0),
        )

    return count


@dataclass(frozen=True)
class TracedCase:
    """One case behind a figure (no personal data: ids and the dates that decided it)."""

    petition_id: str
    case_id: int
    organ_id: str
    routed_at: datetime
    clock_start: datetime | None
    replied_at: datetime | None
    overdue: tuple[datetime, ...]
    state_at_end: str | None


def explain(svc: Services, quarter: Quarter, organ_id: str, figure: Figure) -> list[TracedCase]:
    """The cases behind one agency's figure in ``quarter``: the same rule that counted them
    (:func:`gateway.domain.reports.classify`), so their number is the figure in the report."""
    now = svc.clock.now()
    start, end = quarter.start(svc.zone), quarter.end(svc.zone)
    cutoff = min(now, end)
    with svc.store.unit_of_work() as uow:
        if organ_id not in uow.reports.agency_names():
            raise NotFound(f"no agency {organ_id}")
        events = uow.reports.events(before=cutoff)
    counter = working_days_counter(svc)
    period = svc.report_thresholds.period_days
    cases: list[CaseFact] = [
        c
        for c in fold(events, cutoff).values()
        if c.organ_id == organ_id and figure in classify(c, start, cutoff, counter, period)
    ]
    return [
        TracedCase(
            c.petition_id,
            c.case_id,
            c.organ_id,
            c.routed_at,
            c.clock_start,
            c.replied_at,
            tuple(c.overdue),
            c.state_at(cutoff),
        )
        for c in sorted(cases, key=lambda c: c.case_id)
    ]


def mark_useful(svc: Services, petition_id: str, *, actor: str, note: str = "") -> bool:
    """VPCP marks a petition as a useful contribution (listed, without personal data, in the
    quarter's report). False if it was already marked (nothing changes)."""
    at = svc.clock.now()
    with svc.store.unit_of_work() as uow:
        if uow.petitions.get(petition_id) is None:
            raise NotFound(f"no petition {petition_id}")
        marked = uow.reports.mark_useful(petition_id, at=at, by=actor, note=note.strip())
        if marked:
            uow.audit.record(
                AuditAction.PETITION_MARKED_USEFUL,
                actor=actor,
                at=at,
                petition_id=petition_id,
            )
        uow.commit()
    return marked
