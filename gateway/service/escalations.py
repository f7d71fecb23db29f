"""Chuyển lên VPCP: escalation use cases, and the return (02) path back to VPCP's routing queue.

- a return (02, "not competent") is recorded with the agency's reason and puts the petition back
  in VPCP's routing queue; two agencies returning the same petition escalate it;
- a repeat petition after a reply (same petitioner identity, similar content) is escalated,
  linked to the earlier one, whose answered cases are reopened;
- an operator marks a matter as within the Government's authority (or the agencies as
  disagreeing).

Every escalation is one row per (petition, reason) and an audit event, in the caller's
transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from gateway.domain.audit import AuditAction
from gateway.domain.case import CaseState, move
from gateway.domain.escalation import (
    OPERATOR_REASONS,
    Decision,
    EscalationReason,
    TextProfile,
    escalation,
    identity_key,
    is_repeat_of,
    profiles_disagree,
    returns_call_for_escalation,
)
from gateway.domain.petition import Petition
from gateway.errors import IllegalTransition, InputInvalid, NotFound
from gateway.service.queries import edoc_content
from gateway.service.services import Services
from gateway.store.petitions import CaseRecord
from gateway.store.uow import UnitOfWork
from schemas import edxml

ANSWERED = (CaseState.REPLIED, CaseState.PUBLISHED, CaseState.CLOSED)
REPEAT_CANDIDATES = 200
"""A repeat is looked for among the petitioner's 200 most recent answered petitions: one query
and bounded work at intake, even for an organisation that petitions every day."""
NO_REASON = "(không nêu lý do)"


def raise_escalation(
    uow: UnitOfWork,
    petition_id: str,
    reason: EscalationReason,
    *,
    detail: str,
    actor: str,
    at: datetime,
    related_petition_id: str | None = None,
) -> bool:
    """Record an escalation (once per petition and reason). True if it is new."""
    e = escalation(
        petition_id,
        reason,
        detail=detail,
        raised_by=actor,
        at=at,
        related_petition_id=related_petition_id,
    )
    if not uow.escalations.add_escalation(e):
        return False
    uow.audit.record(
        AuditAction.PETITION_ESCALATED,
        actor=actor,
        at=at,
        petition_id=petition_id,
        level=int(e.level),
        reason=reason.value,
        detail=detail,
        related_petition_id=related_petition_id,
    )
    return True


def escalate_petition(
    svc: Services, petition_id: str, reason: str, *, note: str, actor: str
) -> bool:
    """An operator escalates a petition. Returns False if it was already escalated for that
    reason. Raises NotFound, InputInvalid."""
    try:
        why = EscalationReason(reason)
    except ValueError:
        why = None
    if why not in OPERATOR_REASONS:
        allowed = ", ".join(sorted(r.value for r in OPERATOR_REASONS))
        raise InputInvalid(f"an operator may escalate for: {allowed}")
    assert why is not None
    at = svc.clock.now()
    with svc.store.unit_of_work() as uow:
        if uow.petitions.get(petition_id) is None:
            raise NotFound(f"no petition {petition_id}")
        new = raise_escalation(
            uow, petition_id, why, detail=note.strip() or why.value, actor=actor, at=at
        )
        uow.commit()
    return new


def decide_escalation(
    svc: Services, petition_id: str, reason: str, decision: str, *, note: str, actor: str
) -> None:
    """VPCP decides an escalated petition (e.g. report it to the Prime Minister, or consult
    experts): the escalation leaves the open queue, the decision and its note are audited.
    Raises NotFound (no such escalation), InputInvalid, IllegalTransition (already decided)."""
    try:
        why, what = EscalationReason(reason), Decision(decision)
    except ValueError as e:
        raise InputInvalid(
            f"decision must be one of {', '.join(d.value for d in Decision)}; reason one of "
            f"{', '.join(r.value for r in EscalationReason)}"
        ) from e
    note = note.strip()
    if not note:
        raise InputInvalid("a decision gives its grounds (note)")
    at = svc.clock.now()
    with svc.store.unit_of_work() as uow:
        if not any(e.reason is why for e in uow.escalations.escalations_for(petition_id)):
            raise NotFound(f"petition {petition_id} has no escalation for {why.value}")
        if not uow.escalations.decide(
            petition_id, why, decision=what.value, note=note, by=actor, at=at
        ):
            raise IllegalTransition(
                f"the {why.value} escalation of {petition_id} was already decided",
                target="decided",
            )
        uow.audit.record(
            AuditAction.ESCALATION_DECIDED,
            actor=actor,
            at=at,
            petition_id=petition_id,
            reason=why.value,
            decision=what.value,
            note=note,
        )
        uow.commit()


# -- returns --------------------------------------------------------------------------------------


def record_return(uow: UnitOfWork, record: CaseRecord, reason: str, *, at: datetime) -> None:
    """An agency returned its case (02): keep the reason for VPCP's routing queue, and escalate
    when a second agency has returned the same petition."""
    reason = reason.strip() or NO_REASON
    if not uow.returns.add_return(record, reason, at=at):
        return
    case = record.case
    uow.audit.record(
        AuditAction.CASE_RETURNED,
        actor=f"agency:{case.organ_id}",
        at=at,
        petition_id=case.petition_id,
        case_id=case.case_id,
        organ_id=case.organ_id,
        reason=reason,
    )
    uow.petitions.lock(case.petition_id)  # then count: a concurrent return is seen
    returns = uow.returns.returns_for_petition(case.petition_id)
    organs = sorted({r.organ_id for r in returns})
    if returns_call_for_escalation(organs):
        raise_escalation(
            uow,
            case.petition_id,
            EscalationReason.AGENCIES_RETURNED,
            detail="returned as not competent by " + ", ".join(organs),
            actor="gateway",
            at=at,
        )


def note_reroute(
    uow: UnitOfWork, petition_id: str, organ_ids: list[str], *, actor: str, at: datetime
) -> None:
    """VPCP routes a returned petition again: the returns stay, marked re-routed."""
    pending = uow.returns.mark_rerouted(petition_id, at=at)
    if pending:
        uow.audit.record(
            AuditAction.PETITION_REROUTED,
            actor=actor,
            at=at,
            petition_id=petition_id,
            returned_by=[r.organ_id for r in pending],
            reasons=[r.reason for r in pending],
            routed_to=organ_ids,
        )


# -- disagreeing replies ------------------------------------------------------------------------


def check_disagreement(
    uow: UnitOfWork, record: CaseRecord, reply: edxml.Edoc, *, at: datetime
) -> None:
    """A second agency's reply that clearly differs from another agency's reply to the same
    petition escalates it (agencies_disagree) for VPCP to settle."""
    case = record.case
    uow.petitions.lock(case.petition_id)  # two replies at once see each other
    profile: TextProfile | None = None
    for other in uow.cases.for_petition(case.petition_id):
        if other.case.organ_id == case.organ_id or other.reply_document_id is None:
            continue
        stored = uow.documents.get(other.reply_document_id)
        if stored is None:
            continue
        earlier = edoc_content(stored.body)
        if earlier is None:
            continue
        profile = profile or TextProfile.of(reply.content)
        if profiles_disagree(profile, TextProfile.of(earlier)):
            raise_escalation(
                uow,
                case.petition_id,
                EscalationReason.AGENCIES_DISAGREE,
                detail=f"the replies of {other.case.organ_id} and {case.organ_id} differ",
                actor="gateway",
                at=at,
            )
            return


# -- repeat petitions ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RepeatCheck:
    identity_key: str | None
    repeat_of: str | None = None


def check_repeat(svc: Services, petition: Petition) -> RepeatCheck:
    """Is this petition a repeat of one the petitioner already got a reply on? Compared in a
    read of its own, before intake's write transaction, so the comparison (bounded: see
    TextProfile) never holds the database's write lock."""
    p = petition.petitioner
    key = identity_key(p.kind.value, p.id_number, p.name, p.phone)
    if key is None:
        return RepeatCheck(None)
    with svc.store.unit_of_work() as uow:
        candidates = uow.identities.answered_with_identity(
            key, excluding=petition.petition_id, answered=ANSWERED, limit=REPEAT_CANDIDATES
        )
    profile = TextProfile.of(f"{petition.title}\n{petition.content}")
    threshold = svc.intake_policy.repeat_similarity
    for earlier_id, earlier_title, earlier_content in candidates:
        if is_repeat_of(profile, TextProfile.of(f"{earlier_title}\n{earlier_content}"), threshold):
            return RepeatCheck(key, earlier_id)
    return RepeatCheck(key)


def detect_repeat(uow: UnitOfWork, petition: Petition, check: RepeatCheck, *, at: datetime) -> None:
    """Index the petitioner's identity; if :func:`check_repeat` found they already got a reply on
    a similar petition, escalate this one (linked to it) and reopen the earlier one's answered
    cases (those still answered now: the check ran before this transaction)."""
    if check.identity_key is None:
        return
    uow.identities.index_identity(petition.petition_id, check.identity_key)
    earlier_id = check.repeat_of
    if earlier_id is None:
        return
    answered = [c for c in uow.cases.for_petition(earlier_id) if c.case.state in ANSWERED]
    if not answered:
        return
    raise_escalation(
        uow,
        petition.petition_id,
        EscalationReason.REPEAT_AFTER_REPLY,
        detail=f"repeat of petition {earlier_id}, already answered",
        actor="gateway",
        at=at,
        related_petition_id=earlier_id,
    )
    for record in answered:
        reopened = move(record.case, CaseState.REOPENED, at=at)
        uow.cases.save(reopened)
        uow.audit.record(
            AuditAction.CASE_CHANGED,
            actor="gateway",
            at=at,
            petition_id=earlier_id,
            case_id=record.case.case_id,
            organ_id=record.case.organ_id,
            previous=record.case.state.value,
            state=reopened.state.value,
            note=f"repeat petition {petition.petition_id}",
        )
    uow.petitions.set_status(earlier_id, CaseState.REOPENED.value, at=at)
