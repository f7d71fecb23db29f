"""VPCP decides an escalated petition: the decision and its grounds are audited, the escalation
leaves the open queue, and a decision is made once; on both databases."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from gateway.errors import IllegalTransition, InputInvalid, NotFound
from gateway.service.escalations import decide_escalation, escalate_petition
from gateway.service.intake import submit_petition
from gateway.store import tables as t
from tests.conftest import AGENCY_A, new_petition
from tests.helpers import query


def test_a_decision_is_audited_once_and_closes_the_escalation(make_services) -> None:  # type: ignore[no-untyped-def]
    svc = make_services(agencies=(AGENCY_A,))
    pid = submit_petition(svc, new_petition(1, route_to=(AGENCY_A[0],))).petition_id
    with pytest.raises(NotFound):
        decide_escalation(svc, pid, "government_authority", "report_to_pm", note="x", actor="op")
    escalate_petition(svc, pid, "government_authority", note="", actor="op")
    with svc.store.unit_of_work() as uow:
        assert uow.escalations.open_count() == 1 and len(uow.escalations.queue()) == 1
    with pytest.raises(InputInvalid, match="grounds"):
        decide_escalation(svc, pid, "government_authority", "report_to_pm", note=" ", actor="op")
    with pytest.raises(InputInvalid):
        decide_escalation(svc, pid, "government_authority", "shrug", note="x", actor="op")
    decide_escalation(
        svc, pid, "government_authority", "report_to_pm", note="Vượt thẩm quyền Bộ", actor="op"
    )
    with svc.store.unit_of_work() as uow:
        assert uow.escalations.open_count() == 0 and uow.escalations.queue() == []
        (decided,) = uow.escalations.escalations_for(pid)
    assert (decided.decision, decided.decided_by) == ("report_to_pm", "op")
    with pytest.raises(IllegalTransition, match="already decided"):
        decide_escalation(svc, pid, "government_authority", "consult", note="again", actor="op")
    actions = [a for (a,) in query(svc.store.engine, select(t.audit_events.c.action))]
    assert actions.count("escalation.decided") == 1
