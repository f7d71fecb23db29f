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
from typing import Any

from gateway.domain import privacy
from gateway.domain.audit import AuditAction
from gateway.domain.deadlines import elapsed_working_days
from gateway.domain.documents import sha256_hex
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
from gateway.errors import IllegalTransition, InputInvalid, NotFound
from gateway.reporting.formats import MEDIA_TYPES, Format
from gateway.reporting.manifest import signed_manifest
from gateway.reporting.pdf_signature import sign_pdf
from gateway.reporting.render import render, render_press
from gateway.service.services import Services
from gateway.store.reports import IssuedReport

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
        mask=privacy.mask,  # the commended contributions' titles are published
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

    def as_dict(self) -> dict[str, Any]:
        """The machine form (the API's and ``report explain --json``'s)."""
        return {
            "petition_id": self.petition_id,
            "case_id": self.case_id,
            "routed_at": self.routed_at.isoformat(),
            "clock_start": self.clock_start.isoformat() if self.clock_start else None,
            "replied_at": self.replied_at.isoformat() if self.replied_at else None,
            "overdue": [at.isoformat() for at in self.overdue],
            "state_at_end": self.state_at_end,
        }


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


# -- issued reports: rendered, signed, stored once ----------------------------------------------

KINDS = ("report", "press")
PRESS_FORMATS = (Format.PDF, Format.HTML)
MACHINE_FORMATS = (Format.JSON, Format.CSV, Format.XLSX)
"""The formats that come with the signed manifest of their digests."""


def file_name(quarter: Quarter, kind: str, fmt: Format) -> str:
    """``bao-cao-2026Q3.pdf``, ``thong-cao-bao-chi-2026Q3.pdf``."""
    stem = "bao-cao" if kind == "report" else "thong-cao-bao-chi"
    return f"{stem}-{quarter}.{fmt.value}"


def report_document(
    svc: Services, quarter: Quarter, fmt: Format, *, kind: str = "report", actor: str
) -> IssuedReport:
    """The report (or press summary) of ``quarter`` in ``fmt``. A closed quarter's is the one
    issued (issuing every format the first time it is asked for: stored once, audited,
    re-downloadable with the same bytes); the current quarter's is provisional ("tạm tính"):
    rendered and signed now, not stored (its ``report_id`` is empty)."""
    _check_kind(kind, fmt)
    report = quarterly_report(svc, quarter)
    if not report.closed:
        at = svc.clock.now()
        return _provisional(svc, report, kind, fmt, at)
    with svc.store.unit_of_work() as uow:
        stored = uow.reports.issued(str(quarter), kind, fmt.value)
    if stored is not None:
        return stored
    return issue_report(svc, quarter, actor=actor)[(kind, fmt.value)]


def issue_report(
    svc: Services, quarter: Quarter, *, actor: str
) -> dict[tuple[str, str], IssuedReport]:
    """Issue the closed quarter's report in every format, with the press summary: the PDFs
    signed by the gateway's key (PAdES), the machine formats with a signed manifest of their
    digests; stored once (a second call, or a concurrent one, returns what was issued first)
    and recorded in the audit trail with every digest."""
    report = quarterly_report(svc, quarter)
    if not report.closed:
        raise IllegalTransition(
            f"quarter {quarter} has not ended: its report is provisional and cannot be issued",
            target="issued",
        )
    at = svc.clock.now()
    files = _render_all(svc, report, at)
    manifest = signed_manifest(
        {file_name(quarter, "report", f): files[("report", f.value)] for f in MACHINE_FORMATS},
        svc.signer,
        issuer=svc.organ_id,
        quarter=str(quarter),
        issued_at=at,
    )
    issued: dict[tuple[str, str], IssuedReport] = {}
    with svc.store.unit_of_work() as uow:
        for (kind, fmt), body in files.items():
            row = uow.reports.issue(
                quarter=str(quarter),
                kind=kind,
                fmt=fmt,
                media_type=MEDIA_TYPES[Format(fmt)],
                body=body,
                sha256=sha256_hex(body),
                manifest=manifest if Format(fmt) in MACHINE_FORMATS and kind == "report" else None,
                at=at,
                by=actor,
            )
            if row is not None:
                issued[(kind, fmt)] = row
        if issued:
            uow.audit.record(
                AuditAction.REPORT_ISSUED,
                actor=actor,
                at=at,
                quarter=str(quarter),
                files={f"{k}.{f}": r.sha256 for (k, f), r in sorted(issued.items())},
            )
        uow.commit()
    with svc.store.unit_of_work() as uow:  # what stands (another issuer may have been first)
        return {
            (k, f): stored
            for (k, f) in files
            if (stored := uow.reports.issued(str(quarter), k, f)) is not None
        }


def issued_reports(svc: Services) -> list[IssuedReport]:
    """Every issued report, newest quarter first."""
    with svc.store.unit_of_work() as uow:
        return uow.reports.all_issued()


def issued_report(svc: Services, quarter: Quarter, kind: str, fmt: Format) -> IssuedReport:
    """One issued report (NotFound if that quarter's report has not been issued)."""
    _check_kind(kind, fmt)
    with svc.store.unit_of_work() as uow:
        stored = uow.reports.issued(str(quarter), kind, fmt.value)
    if stored is None:
        raise NotFound(f"no issued {kind} for {quarter} in {fmt.value}")
    return stored


def _check_kind(kind: str, fmt: Format) -> None:
    if kind not in KINDS:
        raise InputInvalid(f"kind must be one of {', '.join(KINDS)}")
    if kind == "press" and fmt not in PRESS_FORMATS:
        raise InputInvalid("the press summary is a PDF or an HTML page")


def _render_all(
    svc: Services, report: QuarterlyReport, at: datetime
) -> dict[tuple[str, str], bytes]:
    files: dict[tuple[str, str], bytes] = {}
    for fmt in Format:
        files[("report", fmt.value)] = _render(svc, report, "report", fmt, at)
    for fmt in PRESS_FORMATS:
        files[("press", fmt.value)] = _render(svc, report, "press", fmt, at)
    return files


def _render(svc: Services, report: QuarterlyReport, kind: str, fmt: Format, at: datetime) -> bytes:
    body = render(report, fmt) if kind == "report" else render_press(report, fmt)
    if fmt is Format.PDF:
        reason = "Báo cáo quý" if kind == "report" else "Thông cáo báo chí"
        body = sign_pdf(body, svc.signer.key_pair, reason=f"{reason} {report.quarter}")
    return body


def _provisional(
    svc: Services, report: QuarterlyReport, kind: str, fmt: Format, at: datetime
) -> IssuedReport:
    body = _render(svc, report, kind, fmt, at)
    return IssuedReport(
        "",
        str(report.quarter),
        kind,
        fmt.value,
        MEDIA_TYPES[fmt],
        body,
        sha256_hex(body),
        None,
        at,
        "",
    )


def first_quarter(svc: Services) -> Quarter | None:
    """The quarter of the first petition received (None before any)."""
    with svc.store.unit_of_work() as uow:
        first = uow.reports.first_received()
    return None if first is None else Quarter.containing(first, svc.zone)
