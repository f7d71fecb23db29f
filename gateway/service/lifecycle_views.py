"""What the lifecycle adds to a petition's view: per-case clocks and deadline events, returns,
escalations. Public views: no personal data (return reasons and escalation details are written
by agencies and operators, not by the petitioner)."""

from __future__ import annotations

from typing import Any

from gateway.domain.case import AWAITING_AGENCY
from gateway.domain.deadlines import elapsed_working_days
from gateway.service.services import Services
from gateway.store.petitions import CaseRecord, PetitionRecord
from gateway.store.uow import UnitOfWork


def case_clock(
    svc: Services, uow: UnitOfWork, record: CaseRecord, events: list[Any]
) -> dict[str, Any]:
    """The case's deadline in full: current period, whether it is overdue, and the total
    working days the agency has had the petition (since the first receipt) so far."""
    now = svc.clock.now()
    case = record.case
    delivered = [d.delivered_at for d in uow.deliveries.for_case(case.case_id) if d.delivered_at]
    first_receipt = min(delivered) if delivered else None
    mine = [e for e in events if e.case_id == case.case_id]
    return {
        "clock_start_at": record.clock_start_at.isoformat() if record.clock_start_at else None,
        "due_at": record.due_at.isoformat() if record.due_at else None,
        "overdue": any(e.kind == "overdue" and e.due_at == record.due_at for e in mine)
        and case.state in AWAITING_AGENCY,
        "first_receipt_at": first_receipt.isoformat() if first_receipt else None,
        "agency_working_days": (
            elapsed_working_days(svc.calendar, first_receipt, now, svc.zone)
            if first_receipt
            else None
        ),
        "deadline_events": [
            {
                "kind": e.kind,
                "due_date": e.due_date.isoformat(),
                "emitted_at": e.emitted_at.isoformat(),
            }
            for e in mine
        ],
    }


def lifecycle_view(
    svc: Services, uow: UnitOfWork, record: PetitionRecord, case_views: list[dict[str, Any]]
) -> dict[str, Any]:
    """Fields added to a petition view; ``case_views`` are completed in place."""
    petition_id = record.petition.petition_id
    events = uow.deadlines.events_for_petition(petition_id)
    by_id = {c.case.case_id: c for c in uow.cases.for_petition(petition_id)}
    for view in case_views:
        view.update(case_clock(svc, uow, by_id[view["case_id"]], events))
    return {
        "system_working_days": elapsed_working_days(
            svc.calendar, record.petition.received_at, svc.clock.now(), svc.zone
        ),
        "overdue": any(v["overdue"] for v in case_views),
        "returns": [
            {
                "case_id": r.case_id,
                "agency": r.organ_id,
                "reason": r.reason,
                "returned_at": r.returned_at.isoformat(),
                "rerouted_at": r.rerouted_at.isoformat() if r.rerouted_at else None,
            }
            for r in uow.returns.returns_for_petition(petition_id)
        ],
        "escalations": [
            {
                "level": int(e.level),
                "reason": e.reason.value,
                "detail": e.detail,
                "raised_by": e.raised_by,
                "raised_at": e.raised_at.isoformat(),
                "related_petition_id": e.related_petition_id,
                "decided_at": e.decided_at.isoformat() if e.decided_at else None,
                "decision": e.decision,
                "decided_by": e.decided_by,
                "decision_note": e.decision_note,
            }
            for e in uow.escalations.escalations_for(petition_id)
        ],
    }


def filtered_ids(uow: UnitOfWork, *, escalated: bool, overdue: bool) -> set[str]:
    """Petition ids that match every flag given."""
    sets = []
    if escalated:
        sets.append(set(uow.escalations.escalated_petition_ids(limit=100_000)))
    if overdue:
        sets.append(set(uow.deadlines.overdue_petition_ids(limit=100_000)))
    return set.intersection(*sets) if sets else set()
