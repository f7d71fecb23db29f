"""What quarterly reports are computed from, and the reports once issued.

The events are the audit chain's own (never the cases' current state), read up to a cut-off, so a
closed quarter reads the same events every time; the petitions marked useful; the issued reports'
exact bytes, stored once per quarter, kind and format.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from gateway.domain.audit import AuditAction
from gateway.domain.reports import CaseEvent, EventKind, PetitionFact, UsefulMark
from gateway.store import tables as t
from gateway.store.base import _Repository, new_id

EVENT_KINDS: dict[AuditAction, EventKind] = {
    AuditAction.PETITION_ROUTED: EventKind.ROUTED,
    AuditAction.DELIVERY_DELIVERED: EventKind.RECEIVED_BY_AGENCY,
    AuditAction.DELIVERY_ACKNOWLEDGED: EventKind.RECEIVED_BY_AGENCY,
    AuditAction.CASE_CHANGED: EventKind.CHANGED,
    AuditAction.CASE_RETURNED: EventKind.RETURNED,
    AuditAction.DEADLINE_OVERDUE: EventKind.OVERDUE,
    AuditAction.PETITION_ESCALATED: EventKind.ESCALATED,
    AuditAction.PETITION_REROUTED: EventKind.REROUTED,
}
"""The audit actions a report reads, and what each means to it."""


@dataclass(frozen=True)
class IssuedReport:
    report_id: str
    quarter: str
    kind: str
    format: str
    media_type: str
    body: bytes
    sha256: str
    manifest: bytes | None
    issued_at: datetime
    issued_by: str


class ReportRepository(_Repository):
    def events(self, *, before: datetime) -> list[CaseEvent]:
        """The events a report reads, recorded before ``before``, in chain order."""
        a = t.audit_events.c
        kinds = {action.value: kind for action, kind in EVENT_KINDS.items()}
        rows = self.c.execute(
            select(
                a.at,
                a.action,
                a.actor,
                a.petition_id,
                a.case_id,
                a.organ_id,
                a.details["state"].as_string(),
                a.details["reason"].as_string(),
            )
            .where(a.action.in_(list(kinds)), a.at < before)
            .order_by(a.seq)
        )
        return [
            CaseEvent(
                at=at,
                kind=kinds[action],
                petition_id=petition_id or "",
                case_id=case_id,
                organ_id=organ_id,
                state=state,
                reason=reason,
                by_agency=actor.startswith("agency:"),
            )
            for at, action, actor, petition_id, case_id, organ_id, state, reason in rows
        ]

    def petitions(self, *, before: datetime) -> list[PetitionFact]:
        p = t.petitions.c
        rows = self.c.execute(
            select(p.petition_id, p.category, p.portal, p.received_at).where(p.received_at < before)
        )
        return [PetitionFact(*row) for row in rows]

    def first_received(self) -> datetime | None:
        """When the first petition was received (min keeps the column's UTC type)."""
        first = self.c.execute(select(func.min(t.petitions.c.received_at))).scalar_one()
        return first  # type: ignore[no-any-return]

    def agency_names(self) -> dict[str, str]:
        rows = self.c.execute(select(t.agencies.c.organ_id, t.agencies.c.name))
        return {organ_id: name for organ_id, name in rows}

    def mark_useful(self, petition_id: str, *, at: datetime, by: str, note: str) -> bool:
        """Mark a petition as a useful contribution; False if it already was."""
        return self._insert_ignoring_duplicates(
            t.useful_marks, petition_id=petition_id, marked_at=at, marked_by=by, note=note
        )

    def useful(self, *, before: datetime) -> list[UsefulMark]:
        m, p = t.useful_marks.c, t.petitions.c
        rows = self.c.execute(
            select(m.petition_id, p.category, p.title, m.marked_at)
            .join(t.petitions, p.petition_id == m.petition_id)
            .where(m.marked_at < before)
        )
        return [UsefulMark(*row) for row in rows]

    def issue(
        self,
        *,
        quarter: str,
        kind: str,
        fmt: str,
        media_type: str,
        body: bytes,
        sha256: str,
        manifest: bytes | None,
        at: datetime,
        by: str,
    ) -> IssuedReport | None:
        """Store an issued report; None if one was already issued for (quarter, kind, format)
        (the first one stands: read it with :meth:`issued`)."""
        report_id = new_id()
        inserted = self._insert_ignoring_duplicates(
            t.issued_reports,
            report_id=report_id,
            quarter=quarter,
            kind=kind,
            format=fmt,
            media_type=media_type,
            body=body,
            sha256=sha256,
            manifest=manifest,
            issued_at=at,
            issued_by=by,
        )
        if not inserted:
            return None
        return IssuedReport(
            report_id, quarter, kind, fmt, media_type, body, sha256, manifest, at, by
        )

    def issued(self, quarter: str, kind: str, fmt: str) -> IssuedReport | None:
        r = t.issued_reports.c
        row = self.c.execute(
            select(t.issued_reports).where(r.quarter == quarter, r.kind == kind, r.format == fmt)
        ).first()
        return IssuedReport(*row) if row else None

    def all_issued(self) -> list[IssuedReport]:
        """Every issued report, newest quarter first, without the bodies' order mattering."""
        r = t.issued_reports.c
        rows = self.c.execute(select(t.issued_reports).order_by(r.quarter.desc(), r.kind, r.format))
        return [IssuedReport(*row) for row in rows]
