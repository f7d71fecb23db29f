"""VPCP recalls (revoke), updates or replaces a transfer; the agency answers 15 or 16 — through
the real API, delivery pipeline and simulated agency, on both databases."""

from __future__ import annotations

from typing import Any

import httpx

from gateway.runtime.demo import sample_petition
from gateway.runtime.up import Running
from gateway.simulator.agency import Behaviour
from schemas import edxml, xml
from tests.helpers import wait_until

G17, G18 = "000.00.00.G17", "000.00.00.G18"


def simulator(gateway: Running, organ_id: str):  # type: ignore[no-untyped-def]
    return next(a.simulator for a in gateway.agencies if a.simulator.organ_id == organ_id)


def view(api: httpx.Client, petition_id: str) -> dict[str, Any]:
    return api.get(f"/v1/petitions/{petition_id}").json()


def arrived_petition(gateway: Running, api: httpx.Client, **behaviour: Any) -> str:
    simulator(gateway, G17).behaviour = Behaviour(delay=0.02, statuses=1, **behaviour)
    response = api.post("/v1/petitions", json={**sample_petition(0), "route_to": [G17]})
    assert response.status_code == 201, response.text
    petition_id = response.json()["id"]
    wait_until(lambda: view(api, petition_id)["status"] == "arrived", what="01")
    return petition_id


def actions(gateway: Running, petition_id: str) -> list[str]:
    with gateway.svc.store.unit_of_work() as uow:
        return [e.action for e in uow.audit.for_petition(petition_id)]


def test_a_recall_the_agency_agrees_to_revokes_the_case_and_the_petition_can_be_rerouted(
    gateway, api
):
    petition_id = arrived_petition(gateway, api)
    answer = api.post(
        f"/v1/petitions/{petition_id}/recall",
        json={"agency": G17, "action": "revoke", "reason": "Chuyển nhầm cơ quan"},
    )
    assert answer.status_code == 200, answer.text
    revoked = wait_until(
        lambda: view(api, petition_id)["status"] == "revoked" and view(api, petition_id),
        what="the recall to be agreed",
    )
    assert revoked["cases"][0]["state"] == "revoked"
    assert [d["state"] for d in revoked["cases"][0]["deliveries"]] == ["delivered", "delivered"]
    assert "case.change_agreed" in actions(gateway, petition_id)
    with gateway.svc.store.unit_of_work() as uow:
        sent = [d for d in uow.documents.for_petition(petition_id) if d.kind == "edoc"]
    decoded = edxml.decode(gateway.svc.verifier.verify(xml.parse(sent[0].body)).signed_root)
    assert decoded.business.doc_type == 1 and decoded.business.reason == "Chuyển nhầm cơ quan"
    assert decoded.business.document_id == revoked["cases"][0]["transfer_document"]
    rerouted = api.post(f"/v1/petitions/{petition_id}/route", json={"agencies": [G17]})
    assert rerouted.status_code == 200, rerouted.text
    assert [c["state"] for c in rerouted.json()["cases"]] == ["revoked", "transferred"]


def test_a_refused_recall_leaves_the_case_as_it_was_and_is_recorded(gateway, api):
    petition_id = arrived_petition(gateway, api, refuse_changes=True)
    answer = api.post(
        f"/v1/petitions/{petition_id}/recall",
        json={"agency": G17, "action": "revoke", "reason": "Chuyển nhầm"},
    )
    assert answer.status_code == 200, answer.text
    wait_until(
        lambda: "case.change_refused" in actions(gateway, petition_id), what="the refusal (16)"
    )
    assert view(api, petition_id)["cases"][0]["state"] == "arrived"


def test_an_agreed_update_is_recorded_and_the_case_keeps_its_state(gateway, api):
    petition_id = arrived_petition(gateway, api)
    answer = api.post(
        f"/v1/petitions/{petition_id}/recall",
        json={"agency": G17, "action": "update", "reason": "Bổ sung tài liệu"},
    )
    assert answer.status_code == 200, answer.text
    wait_until(lambda: "case.change_agreed" in actions(gateway, petition_id), what="15")
    assert view(api, petition_id)["cases"][0]["state"] == "arrived"


def test_recalling_from_an_agency_that_does_not_have_it_is_refused_and_sends_nothing(gateway, api):
    petition_id = arrived_petition(gateway, api)
    answer = api.post(
        f"/v1/petitions/{petition_id}/recall",
        json={"agency": G18, "action": "revoke", "reason": "x"},
    )
    assert answer.status_code == 409 and answer.json()["code"] == "ILLEGAL_TRANSITION"
    bad = api.post(
        f"/v1/petitions/{petition_id}/recall",
        json={"agency": G17, "action": "shred", "reason": "x"},
    )
    assert bad.status_code == 422 and bad.json()["code"] == "INPUT_INVALID"
    assert "case.change_requested" not in actions(gateway, petition_id)
    assert len(view(api, petition_id)["cases"][0]["deliveries"]) == 1
