"""The case state machine: transitions, out-of-order statuses, illegal moves."""

from datetime import UTC, datetime, timedelta

import pytest

from gateway.domain.case import (
    RANK,
    TRANSITIONS,
    Case,
    CaseState,
    apply_reply,
    apply_status,
    move,
)
from gateway.domain.documents import StatusCode
from gateway.errors import ErrorCode, IllegalTransition

T0 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


def a_case(state: CaseState = CaseState.TRANSFERRED, last_status_at: datetime | None = None):
    return Case(1, "p-1", "000.00.00.G17", state, T0, last_status_at)


def test_statuses_01_to_06_walk_a_case_forward_to_finished():
    case = a_case()
    for i, code in enumerate(("01", "03", "04", "05", "06")):
        outcome = apply_status(
            case,
            StatusCode(code),
            status_time=T0 + timedelta(minutes=i),
            at=T0 + timedelta(minutes=i),
        )
        assert outcome.changed
        case = outcome.case
    assert case.state == CaseState.FINISHED


def test_a_signed_reply_makes_a_processing_case_replied():
    outcome = apply_reply(a_case(CaseState.PROCESSING), at=T0)
    assert outcome.case.state == CaseState.REPLIED and outcome.changed


def test_an_older_status_arriving_late_is_kept_but_never_moves_the_case_back():
    case = a_case(CaseState.PROCESSING, last_status_at=T0)
    outcome = apply_status(
        case, StatusCode.ASSIGNED, status_time=T0 - timedelta(hours=1), at=T0 + timedelta(hours=1)
    )
    assert not outcome.changed
    assert outcome.case.state == CaseState.PROCESSING
    assert "older" in outcome.note


def test_a_newer_status_that_would_go_backwards_is_not_applied():
    case = a_case(CaseState.PROCESSING, last_status_at=T0)
    outcome = apply_status(case, StatusCode.ARRIVED, status_time=T0 + timedelta(hours=1), at=T0)
    assert outcome.case.state == CaseState.PROCESSING
    assert not outcome.changed


def test_a_status_on_a_returned_case_is_an_illegal_transition():
    with pytest.raises(IllegalTransition) as raised:
        apply_status(a_case(CaseState.RETURNED), StatusCode.ACCEPTED, status_time=T0, at=T0)
    assert raised.value.code == ErrorCode.ILLEGAL_TRANSITION
    assert raised.value.http_status == 409


def test_recall_codes_13_15_16_do_not_move_a_case():
    for code in (StatusCode.RECALL_REQUESTED, StatusCode.CHANGE_AGREED, StatusCode.CHANGE_REFUSED):
        outcome = apply_status(a_case(CaseState.ACCEPTED), code, status_time=T0, at=T0)
        assert outcome.case.state == CaseState.ACCEPTED and not outcome.changed


def test_every_state_appears_in_the_transition_table_and_only_leads_to_known_states():
    assert set(TRANSITIONS) == set(CaseState)
    for targets in TRANSITIONS.values():
        assert targets <= set(CaseState)


def test_moving_outside_the_table_is_refused_and_leaves_the_case_as_it_was():
    case = a_case(CaseState.CLOSED)
    with pytest.raises(IllegalTransition):
        move(case, CaseState.PROCESSING, at=T0)
    assert case.state == CaseState.CLOSED


def test_a_revoked_reply_sends_a_replied_case_back_to_processing():
    from gateway.domain.case import withdraw_reply

    outcome = withdraw_reply(a_case(CaseState.REPLIED), at=T0)
    assert outcome.changed and outcome.case.state == CaseState.PROCESSING


def test_revoking_a_reply_that_does_not_exist_is_an_illegal_transition():
    from gateway.domain.case import withdraw_reply

    case = a_case(CaseState.PROCESSING)
    with pytest.raises(IllegalTransition):
        withdraw_reply(case, at=T0)
    assert case.state == CaseState.PROCESSING


def test_statuses_13_15_16_say_what_they_mean():
    notes = [
        apply_status(a_case(CaseState.ACCEPTED), StatusCode(code), status_time=T0, at=T0).note
        for code in ("13", "15", "16")
    ]
    assert [n[:3] for n in notes] == ["13:", "15:", "16:"]
    assert "recall" in notes[0] and "agrees" in notes[1] and "refuses" in notes[2]


def test_no_status_moves_a_case_out_of_a_later_stage_into_an_earlier_one():
    later = [CaseState.ASSIGNED, CaseState.PROCESSING, CaseState.FINISHED]
    for state in later:
        for code in ("01", "03", "04"):
            outcome = apply_status(
                a_case(state, last_status_at=T0),
                StatusCode(code),
                status_time=T0 + timedelta(hours=1),
                at=T0,
            )
            assert outcome.case.state == state or RANK[outcome.case.state] > RANK[state]


def test_an_agreed_recall_revokes_an_open_case_and_later_statuses_are_refused():
    from gateway.domain.case import revoke

    outcome = revoke(a_case(CaseState.PROCESSING), at=T0)
    assert outcome.changed and outcome.case.state == CaseState.REVOKED
    with pytest.raises(IllegalTransition):
        apply_status(outcome.case, StatusCode.FINISHED, status_time=T0, at=T0)
    with pytest.raises(IllegalTransition):
        revoke(a_case(CaseState.REPLIED), at=T0)
