"""Hồ sơ xử lý: the handling of one petition by one agency, and its lifecycle.

A petition routed to two agencies has two cases; each has its own delivery, state and deadline.
Delivery state (did the bytes arrive?) is kept apart from the case state (what did the agency do?).

The lifecycle is a transition table: ``TRANSITIONS[state]`` is the set of states a case may move to.
Anything else is an :class:`IllegalTransition`. Status information that arrives out of order (an
older edXML Timestamp after a newer one) is recorded but never moves a case backwards.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from gateway.domain.documents import StatusCode
from gateway.errors import IllegalTransition


class CaseState(StrEnum):
    TRANSFERRED = "transferred"  # VPCP sent it (chuyển)
    ARRIVED = "arrived"  # 01: the agency's software received it (đã đến)
    RETURNED = "returned"  # 02: the agency refused it, e.g. not competent (trả lại)
    ACCEPTED = "accepted"  # 03: accepted and registered (tiếp nhận)
    ASSIGNED = "assigned"  # 04: assigned to a handler (phân công)
    PROCESSING = "processing"  # 05: being handled (đang xử lý)
    FINISHED = "finished"  # 06 received, the signed reply not yet (hoàn thành)
    REPLIED = "replied"  # the signed reply arrived (đã trả lời)
    PUBLISHED = "published"  # the reply is public (công khai)
    CLOSED = "closed"  # nothing more to do (kết thúc)
    REOPENED = "reopened"  # a repeat petition after the reply (mở lại)
    REVOKED = "revoked"  # VPCP recalled the transfer and the agency agreed (15) (thu hồi)


# Progress rank: a status never moves a case to a lower rank.
RANK: dict[CaseState, int] = {
    CaseState.TRANSFERRED: 0,
    CaseState.REOPENED: 0,
    CaseState.ARRIVED: 1,
    CaseState.RETURNED: 2,
    CaseState.ACCEPTED: 2,
    CaseState.ASSIGNED: 3,
    CaseState.PROCESSING: 4,
    CaseState.FINISHED: 5,
    CaseState.REPLIED: 6,
    CaseState.PUBLISHED: 7,
    CaseState.CLOSED: 8,
    CaseState.REVOKED: 9,
}

_HANDLING = {CaseState.ACCEPTED, CaseState.ASSIGNED, CaseState.PROCESSING}
AWAITING_AGENCY = frozenset(
    {
        CaseState.TRANSFERRED,
        CaseState.ARRIVED,
        CaseState.ACCEPTED,
        CaseState.ASSIGNED,
        CaseState.PROCESSING,
        CaseState.FINISHED,
    }
)
"""Cases whose agency still owes an answer: their deadline runs, and VPCP may still recall,
update or replace the transfer. (A case reopened by a repeat petition waits for VPCP's decision
on the escalation instead: its old deadline does not run.)"""
_REVOCABLE = AWAITING_AGENCY

TRANSITIONS: dict[CaseState, frozenset[CaseState]] = {
    CaseState.TRANSFERRED: frozenset(
        {
            CaseState.ARRIVED,
            CaseState.RETURNED,
            CaseState.ACCEPTED,
            CaseState.ASSIGNED,
            CaseState.PROCESSING,
            CaseState.FINISHED,
            CaseState.REPLIED,
        }
    ),
    CaseState.REOPENED: frozenset(
        {
            CaseState.ARRIVED,
            CaseState.ACCEPTED,
            CaseState.ASSIGNED,
            CaseState.PROCESSING,
            CaseState.FINISHED,
            CaseState.REPLIED,
            CaseState.RETURNED,
        }
    ),
    CaseState.ARRIVED: frozenset(
        {
            CaseState.RETURNED,
            CaseState.ACCEPTED,
            CaseState.ASSIGNED,
            CaseState.PROCESSING,
            CaseState.FINISHED,
            CaseState.REPLIED,
        }
    ),
    CaseState.RETURNED: frozenset(),
    CaseState.ACCEPTED: frozenset(
        {
            CaseState.ASSIGNED,
            CaseState.PROCESSING,
            CaseState.FINISHED,
            CaseState.REPLIED,
            CaseState.RETURNED,
        }
    ),
    CaseState.ASSIGNED: frozenset(
        {CaseState.PROCESSING, CaseState.FINISHED, CaseState.REPLIED, CaseState.RETURNED}
    ),
    CaseState.PROCESSING: frozenset({CaseState.FINISHED, CaseState.REPLIED}),
    CaseState.FINISHED: frozenset({CaseState.REPLIED}),
    # PROCESSING: the agency revoked its reply (BussinessDocType 1); only withdraw_reply goes there
    CaseState.REPLIED: frozenset(
        {CaseState.PUBLISHED, CaseState.CLOSED, CaseState.REOPENED, CaseState.PROCESSING}
    ),
    CaseState.PUBLISHED: frozenset({CaseState.CLOSED, CaseState.REOPENED}),
    CaseState.CLOSED: frozenset({CaseState.REOPENED}),
    CaseState.REVOKED: frozenset(),
}
for _state in _REVOCABLE:  # VPCP may recall a transfer the agency has not answered yet
    TRANSITIONS[_state] = TRANSITIONS[_state] | {CaseState.REVOKED}

STATUS_TARGET: dict[StatusCode, CaseState] = {
    StatusCode.ARRIVED: CaseState.ARRIVED,
    StatusCode.REJECTED: CaseState.RETURNED,
    StatusCode.ACCEPTED: CaseState.ACCEPTED,
    StatusCode.ASSIGNED: CaseState.ASSIGNED,
    StatusCode.PROCESSING: CaseState.PROCESSING,
    StatusCode.FINISHED: CaseState.FINISHED,
}
"""Status codes that move a case. 13/15/16 concern recall/update requests, not the handling."""

CHANGE_NOTES: dict[StatusCode, str] = {
    StatusCode.RECALL_REQUESTED: "13: the agency asks to recall its document (for VPCP to answer)",
    StatusCode.CHANGE_AGREED: "15: the agency agrees to VPCP's update/recall",
    StatusCode.CHANGE_REFUSED: "16: the agency refuses VPCP's update/recall",
}


@dataclass(frozen=True)
class Case:
    case_id: int
    petition_id: str
    organ_id: str
    state: CaseState
    state_changed_at: datetime
    last_status_at: datetime | None = None
    """The edXML Timestamp of the newest status applied (for out-of-order arrivals)."""


@dataclass(frozen=True)
class Outcome:
    """What applying an event did to a case."""

    case: Case
    changed: bool
    note: str = ""


def can_move(current: CaseState, target: CaseState) -> bool:
    return target in TRANSITIONS[current]


def move(case: Case, target: CaseState, *, at: datetime) -> Case:
    """Move ``case`` to ``target`` or raise IllegalTransition (the case is left as it was)."""
    if not can_move(case.state, target):
        raise IllegalTransition(
            f"case {case.case_id} cannot go from {case.state.value} to {target.value}",
            case_id=case.case_id,
            current=case.state.value,
            target=target.value,
        )
    return replace(case, state=target, state_changed_at=at)


def apply_status(case: Case, code: StatusCode, *, status_time: datetime, at: datetime) -> Outcome:
    """Apply an agency's status information (edXML StatusCode) to its case.

    A status older than one already applied, or one that would move the case backwards (a late 04
    after 05), is recorded by the caller but changes nothing here. A status after the case has
    ended is an IllegalTransition.
    """
    target = STATUS_TARGET.get(code)
    if target is None:
        return Outcome(
            case,
            changed=False,
            note=CHANGE_NOTES.get(code, f"status {code.value} does not move a case"),
        )
    if case.last_status_at is not None and status_time < case.last_status_at:
        return Outcome(case, changed=False, note="older than the latest status: kept, not applied")
    newer = replace(case, last_status_at=max(status_time, case.last_status_at or status_time))
    if target == case.state:
        return Outcome(newer, changed=False, note="same state again")
    if RANK[target] < RANK[case.state] and case.state != CaseState.REOPENED:
        if case.state in (CaseState.RETURNED, CaseState.CLOSED, CaseState.REVOKED):
            raise IllegalTransition(
                f"case {case.case_id} is {case.state.value}: status {code.value} refused",
                case_id=case.case_id,
                current=case.state.value,
                target=target.value,
            )
        return Outcome(newer, changed=False, note="would move the case backwards: not applied")
    return Outcome(move(newer, target, at=at), changed=True)


def apply_reply(case: Case, *, at: datetime) -> Outcome:
    """The agency's signed reply arrived: the case is replied (from any handling state)."""
    if case.state == CaseState.REPLIED:
        return Outcome(case, changed=False, note="reply already recorded")
    return Outcome(move(case, CaseState.REPLIED, at=at), changed=True)


def withdraw_reply(case: Case, *, at: datetime) -> Outcome:
    """The agency revoked its signed reply (BussinessDocType 1, thu hồi): the case is being
    handled again. Only a replied case has a reply to revoke (else IllegalTransition)."""
    if case.state != CaseState.REPLIED:
        raise IllegalTransition(
            f"case {case.case_id} is {case.state.value}: there is no reply to revoke",
            case_id=case.case_id,
            current=case.state.value,
            target=CaseState.PROCESSING.value,
        )
    return Outcome(
        move(case, CaseState.PROCESSING, at=at), changed=True, note="the agency revoked its reply"
    )


def revoke(case: Case, *, at: datetime) -> Outcome:
    """The agency agreed (15) to VPCP's recall of the transfer (BussinessDocType 1)."""
    if case.state == CaseState.REVOKED:
        return Outcome(case, changed=False, note="already revoked")
    return Outcome(
        move(case, CaseState.REVOKED, at=at),
        changed=True,
        note="15: the agency agreed to the recall",
    )


def is_open(state: CaseState) -> bool:
    """Whether the agency still owes handling information (the deadline runs)."""
    return state in (
        {CaseState.TRANSFERRED, CaseState.REOPENED, CaseState.ARRIVED, CaseState.FINISHED}
        | _HANDLING
    )
