"""Lifecycle scenarios through the real API, store, queue, scheduler and simulated agencies:
a normal reply, a return and re-route, two agencies returning (escalation), a repeat petition
after a reply (escalation linked to the earlier one), and an overdue case reached by a
controlled clock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from gateway.clock import FixedClock
from gateway.config import Settings
from gateway.domain.documents import StatusCode
from gateway.runtime.demo import sample_petition
from gateway.runtime.up import Running, start
from gateway.simulator.agency import Behaviour
from gateway.store.tables import audit_events
from schemas import edxml
from tests.conftest import OPERATOR
from tests.helpers import CHECKED, wait_until

G17, G18 = "000.00.00.G17", "000.00.00.G18"
NOT_COMPETENT = "Không thuộc thẩm quyền của Bộ"


def simulator(gateway: Running, organ_id: str):  # type: ignore[no-untyped-def]
    return next(a.simulator for a in gateway.agencies if a.simulator.organ_id == organ_id)


def submit(api: httpx.Client, i: int, **changes: Any) -> dict[str, Any]:
    response = api.post("/v1/petitions", json={**sample_petition(i), **changes})
    assert response.status_code == 201, response.text
    return response.json()


def view(api: httpx.Client, petition_id: str) -> dict[str, Any]:
    return api.get(f"/v1/petitions/{petition_id}").json()


def in_status(api: httpx.Client, petition_id: str, status: str) -> dict[str, Any] | None:
    current = view(api, petition_id)
    return current if current["status"] == status else None


def listed(api: httpx.Client, **flags: str) -> set[str]:
    response = api.get("/v1/petitions", params=flags)
    assert response.status_code == 200, response.text
    return {p["id"] for p in response.json()["petitions"]}


def test_a_normal_reply_ends_replied_with_its_clocks_and_no_escalation(gateway, api):
    petition = submit(api, 0)
    done = wait_until(lambda: in_status(api, petition["id"], "replied"), what="the reply")
    case = done["cases"][0]
    assert case["state"] == "replied" and case["overdue"] is False
    assert case["first_receipt_at"] is not None and case["agency_working_days"] is not None
    assert done["escalations"] == [] and done["returns"] == []
    assert done["system_working_days"] >= 0
    assert petition["id"] not in listed(api, overdue="true")


def test_a_returned_petition_goes_back_to_vpcp_with_the_reason_and_is_rerouted(gateway, api):
    simulator(gateway, G17).behaviour = Behaviour(delay=0.02, return_reason=NOT_COMPETENT)
    petition = submit(api, 0, route_to=[G17])
    returned = wait_until(lambda: in_status(api, petition["id"], "returned"), what="the return")
    assert returned["returns"] == [
        {
            "case_id": returned["cases"][0]["case_id"],
            "agency": G17,
            "reason": NOT_COMPETENT,
            "returned_at": returned["returns"][0]["returned_at"],
            "rerouted_at": None,
        }
    ]
    assert returned["escalations"] == []  # one agency returning is VPCP's routing, not escalation

    rerouted = api.post(f"/v1/petitions/{petition['id']}/route", json={"agencies": [G18]})
    assert rerouted.status_code == 200, rerouted.text
    done = wait_until(lambda: in_status(api, petition["id"], "replied"), what="the reply")
    assert [(c["agency"], c["state"]) for c in done["cases"]] == [
        (G17, "returned"),
        (G18, "replied"),
    ]
    assert done["returns"][0]["rerouted_at"] is not None  # the history is kept
    with gateway.svc.store.unit_of_work() as uow:
        actions = [e.action for e in uow.audit.for_petition(petition["id"])]
    assert actions.count("case.returned") == 1 and actions.count("petition.rerouted") == 1


def test_a_status_after_a_return_is_refused_with_409_and_changes_nothing(gateway, api):
    sim = simulator(gateway, G17)
    sim.behaviour = Behaviour(delay=0.02, return_reason=NOT_COMPETENT)
    petition = submit(api, 0, route_to=[G17])
    returned = wait_until(lambda: in_status(api, petition["id"], "returned"), what="the return")
    case = returned["cases"][0]
    me = edxml.Organ(G17, organ_name=sim.name, organization_in_charge=sim.name)
    ref = edxml.ResponseFor(
        gateway.svc.organ_id, code="1/VPCP-PAKN", document_id=case["transfer_document"]
    )
    late = edxml.StatusPackage(
        me,
        ref,
        StatusCode.ACCEPTED,
        datetime.now(edxml.VN_TIME).replace(tzinfo=None, microsecond=0) + timedelta(minutes=1),
        description="Tiếp nhận",
    )
    root = edxml.encode_status(late)
    answer = api.post("/v1/edxml", content=sim.signer.sign(root, edxml.header_of(root)))
    assert answer.status_code == 409
    assert answer.json()["code"] == "ILLEGAL_TRANSITION"
    after = view(api, petition["id"])
    assert after["cases"][0]["state"] == "returned"
    assert after["cases"][0]["state_changed_at"] == case["state_changed_at"]


def test_two_agencies_returning_the_same_petition_escalate_it_to_vpcp(gateway, api):
    for organ_id in (G17, G18):
        simulator(gateway, organ_id).behaviour = Behaviour(delay=0.02, return_reason=NOT_COMPETENT)
    petition = submit(api, 1, route_to=[G17, G18])
    escalated = wait_until(
        lambda: view(api, petition["id"])["escalations"] or None, what="the escalation"
    )
    assert [(e["level"], e["reason"]) for e in escalated] == [(1, "agencies_returned")]
    assert G17 in escalated[0]["detail"] and G18 in escalated[0]["detail"]
    assert petition["id"] in listed(api, escalated="true")
    assert view(api, petition["id"])["status"] == "returned"


def test_two_agencies_replying_differently_escalate_the_petition(gateway, api):
    simulator(gateway, G18).behaviour = Behaviour(
        delay=0.02, reply_content="Bộ Y tế không có thẩm quyền; đề nghị liên hệ Bộ Xây dựng."
    )
    petition = submit(api, 1, route_to=[G17, G18])
    done = wait_until(lambda: in_status(api, petition["id"], "replied"), what="both replies")
    escalations = wait_until(
        lambda: view(api, petition["id"])["escalations"], what="the escalation"
    )
    assert [(e["level"], e["reason"]) for e in escalations] == [(1, "agencies_disagree")]
    assert [c["state"] for c in done["cases"]] == ["replied", "replied"]


def test_two_agencies_replying_alike_are_not_escalated(gateway, api):
    petition = submit(api, 1, route_to=[G17, G18])
    wait_until(lambda: in_status(api, petition["id"], "replied"), what="both replies")
    assert view(api, petition["id"])["escalations"] == []


def test_a_repeat_petition_after_a_reply_is_escalated_and_linked_to_the_earlier_one(gateway, api):
    first = submit(api, 2)
    wait_until(lambda: in_status(api, first["id"], "replied"), what="the first reply")
    again = sample_petition(2)
    repeat = submit(
        api,
        2,
        client_ref="repeat-1",
        title=again["title"].upper(),
        content="Tôi tiếp tục " + str(again["content"]).lower(),
    )
    escalations = view(api, repeat["id"])["escalations"]
    assert [(e["reason"], e["related_petition_id"]) for e in escalations] == [
        ("repeat_after_reply", first["id"])
    ]
    earlier = view(api, first["id"])
    assert earlier["status"] == "reopened"
    assert [c["state"] for c in earlier["cases"]] == ["reopened"]
    assert repeat["id"] in listed(api, escalated="true")
    assert first["id"] not in listed(api, escalated="true")


def test_a_different_petition_from_the_same_petitioner_is_not_a_repeat(gateway, api):
    first = submit(api, 2)
    wait_until(lambda: in_status(api, first["id"], "replied"), what="the first reply")
    other = submit(
        api,
        2,
        client_ref="other-1",
        title="Đề nghị sửa chữa cầu dân sinh",
        content="Cầu dân sinh ở thôn bị xuống cấp nghiêm trọng, đề nghị sửa chữa.",
    )
    assert view(api, other["id"])["escalations"] == []
    assert view(api, first["id"])["status"] == "replied"


def test_an_operator_marks_a_matter_as_government_authority(gateway, api):
    petition = submit(api, 3)
    answer = api.post(
        f"/v1/petitions/{petition['id']}/escalate",
        json={"reason": "government_authority", "note": "Thẩm quyền của Thủ tướng"},
    )
    assert answer.status_code == 200, answer.text
    assert [(e["level"], e["reason"]) for e in answer.json()["escalations"]] == [
        (2, "government_authority")
    ]
    refused = api.post(
        f"/v1/petitions/{petition['id']}/escalate", json={"reason": "repeat_after_reply"}
    )
    assert refused.status_code == 422 and refused.json()["code"] == "INPUT_INVALID"
    assert len(view(api, petition["id"])["escalations"]) == 1


def test_publishing_before_the_reply_is_refused_and_after_it_the_case_is_published_then_closed(
    gateway, api
):
    simulator(gateway, G17).behaviour = Behaviour(delay=0.02, statuses=1)  # 01, then silence
    waiting = submit(api, 0, route_to=[G17])
    wait_until(lambda: in_status(api, waiting["id"], "arrived"), what="01")
    early = api.post(f"/v1/petitions/{waiting['id']}/publish")
    assert early.status_code == 409 and early.json()["code"] == "ILLEGAL_TRANSITION"
    assert view(api, waiting["id"])["cases"][0]["state"] == "arrived"

    simulator(gateway, G17).behaviour = Behaviour(delay=0.02)
    petition = submit(api, 2, route_to=[G17])
    wait_until(lambda: in_status(api, petition["id"], "replied"), what="the reply")
    published = api.post(f"/v1/petitions/{petition['id']}/publish")
    assert published.status_code == 200 and published.json()["status"] == "published"
    closed = api.post(f"/v1/petitions/{petition['id']}/close")
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    again = api.post(f"/v1/petitions/{petition['id']}/publish")
    assert again.status_code == 409 and again.json()["code"] == "ILLEGAL_TRANSITION"
    assert view(api, petition["id"])["status"] == "closed"


def test_a_reply_is_closed_unpublished_only_with_a_recorded_reason(gateway, api):
    simulator(gateway, G17).behaviour = Behaviour(delay=0.02)
    petition = submit(api, 3, route_to=[G17])
    wait_until(lambda: in_status(api, petition["id"], "replied"), what="the reply")
    refused = api.post(f"/v1/petitions/{petition['id']}/close")
    assert refused.status_code == 409 and refused.json()["code"] == "ILLEGAL_TRANSITION"
    assert "publish" in refused.json()["detail"]
    blank = api.post(f"/v1/petitions/{petition['id']}/close", json={"unpublished_reason": "  "})
    assert blank.status_code == 409
    assert view(api, petition["id"])["status"] == "replied"
    reason = "Nội dung trả lời có thông tin cá nhân của người phản ánh"
    closed = api.post(f"/v1/petitions/{petition['id']}/close", json={"unpublished_reason": reason})
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    with gateway.svc.store.engine.connect() as c:
        notes = [
            details.get("note")
            for (details,) in c.execute(
                select(audit_events.c.details).where(
                    audit_events.c.action == "case.changed",
                    audit_events.c.petition_id == petition["id"],
                )
            )
        ]
    assert f"closed without publishing: {reason}" in notes


# -- overdue, with a clock the test controls ------------------------------------------------------


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime.now(UTC))


@pytest.fixture
def clocked(settings: Settings, db_url: str, clock: FixedClock) -> Iterator[Running]:
    running = start(
        settings.with_(database_url=db_url, scheduler_interval=0.1),
        with_demo=True,
        petitions=None,
        agency_delay=0.02,
        demo_ports=False,
        clock=clock,
    )
    try:
        yield running
    finally:
        running.shutdown()


def test_a_silent_agency_becomes_overdue_when_the_clock_passes_its_deadline(clocked, clock):
    simulator(clocked, G17).behaviour = Behaviour(delay=0.02, statuses=1)  # 01, then silence
    with httpx.Client(
        base_url=clocked.api.url, timeout=10, headers=OPERATOR, event_hooks=CHECKED
    ) as api:
        petition = submit(api, 0, route_to=[G17])
        arrived = wait_until(lambda: in_status(api, petition["id"], "arrived"), what="01")
        wait_until(
            lambda: simulator(clocked, G17).state()["pending_pushes"] == 0,
            what="the agency to fall silent",
        )
        case = view(api, petition["id"])["cases"][0]
        due_at = datetime.fromisoformat(case["due_at"])
        assert case["due_date"] == arrived["cases"][0]["due_date"]
        clock.set(due_at - timedelta(seconds=1))
        reminded = wait_until(
            lambda: [
                e
                for e in view(api, petition["id"])["cases"][0]["deadline_events"]
                if e["kind"] == "reminder"
            ],
            what="the reminder",
        )
        assert len(reminded) == 1
        assert petition["id"] not in listed(api, overdue="true")
        clock.set(due_at)
        wait_until(lambda: petition["id"] in listed(api, overdue="true"), what="overdue")
        overdue = view(api, petition["id"])
        assert overdue["overdue"] is True and overdue["cases"][0]["overdue"] is True
        events = [e for e in overdue["cases"][0]["deadline_events"] if e["kind"] == "overdue"]
        assert [e["emitted_at"] for e in events] == [due_at.astimezone(UTC).isoformat()]
