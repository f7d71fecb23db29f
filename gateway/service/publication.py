"""Công khai, kết thúc: VPCP publishes a petition's replies, then closes it.

Both go through the case transition table: publishing needs a replied case, closing a replied
or published one; anything else is an IllegalTransition (409) and changes nothing. The directive
requires handling results to be made public, so a replied case is closed unpublished only with
an operator's reason, recorded in the audit trail.
"""

from __future__ import annotations

from gateway.domain.audit import AuditAction
from gateway.domain.case import CaseState, can_move, move
from gateway.errors import IllegalTransition, NotFound
from gateway.service.routing import refresh_petition_status
from gateway.service.services import Services


def publish_petition(svc: Services, petition_id: str, *, actor: str) -> list[int]:
    """Publish every replied case of the petition. Returns the case ids published."""
    return _move_cases(svc, petition_id, CaseState.PUBLISHED, actor=actor)


def close_petition(
    svc: Services, petition_id: str, *, actor: str, unpublished_reason: str = ""
) -> list[int]:
    """Close every replied or published case of the petition. A replied case not yet published
    needs ``unpublished_reason`` (why its reply is not made public), else IllegalTransition."""
    return _move_cases(
        svc, petition_id, CaseState.CLOSED, actor=actor, unpublished_reason=unpublished_reason
    )


def _move_cases(
    svc: Services,
    petition_id: str,
    target: CaseState,
    *,
    actor: str,
    unpublished_reason: str = "",
) -> list[int]:
    reason = unpublished_reason.strip()
    at = svc.clock.now()
    with svc.store.unit_of_work() as uow:
        if uow.petitions.get(petition_id) is None:
            raise NotFound(f"no petition {petition_id}")
        cases = uow.cases.for_petition(petition_id)
        movable = [c for c in cases if can_move(c.case.state, target)]
        if not movable:
            states = ", ".join(sorted({c.case.state.value for c in cases})) or "no cases"
            raise IllegalTransition(
                f"petition {petition_id} cannot be {target.value}: its cases are {states}",
                target=target.value,
            )
        unpublished = [c for c in movable if c.case.state is CaseState.REPLIED]
        if target is CaseState.CLOSED and unpublished and not reason:
            raise IllegalTransition(
                f"petition {petition_id} has replies that were never published: publish them "
                "first, or give the reason for not publishing them",
                target=target.value,
            )
        for record in movable:
            moved = move(record.case, target, at=at)
            note = ""
            if target is CaseState.CLOSED and record.case.state is CaseState.REPLIED:
                note = f"closed without publishing: {reason}"
            uow.cases.save(moved)
            uow.audit.record(
                AuditAction.CASE_CHANGED,
                actor=actor,
                at=at,
                petition_id=petition_id,
                case_id=record.case.case_id,
                organ_id=record.case.organ_id,
                previous=record.case.state.value,
                state=target.value,
                note=note,
            )
        refresh_petition_status(uow, petition_id, at=at)
        uow.commit()
    return [c.case.case_id for c in movable]
