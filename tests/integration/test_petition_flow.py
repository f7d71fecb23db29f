"""A petition's whole path through the real API, store, queue, REST adapter and a simulated
agency, on SQLite and on PostgreSQL."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from typing import Any

import httpx
import pytest

from gateway.runtime.demo import sample_petition
from gateway.runtime.up import Running
from gateway.simulator.agency import Behaviour
from gateway.store.documents import StoredDocument
from schemas import xml
from tests.helpers import wait_until


def submit(api: httpx.Client, i: int = 0, **changes: Any) -> dict[str, Any]:
    response = api.post("/v1/petitions", json={**sample_petition(i), **changes})
    assert response.status_code == 201, response.text
    return response.json()


def replied(api: httpx.Client, petition_id: str) -> dict[str, Any] | None:
    view = api.get(f"/v1/petitions/{petition_id}").json()
    return view if view["status"] == "replied" else None


def stored(gateway: Running, petition_id: str, kind: str) -> list[StoredDocument]:
    with gateway.svc.store.unit_of_work() as uow:
        return [d for d in uow.documents.for_petition(petition_id) if d.kind == kind]


def simulator(gateway: Running, organ_id: str):  # type: ignore[no-untyped-def]
    return next(a.simulator for a in gateway.agencies if a.simulator.organ_id == organ_id)


def test_a_petition_sent_over_http_comes_back_replied_with_a_reply_signed_by_the_agency(
    gateway, api
):
    petition = submit(api, 0)
    assert petition["status"] == "transferred"
    view = wait_until(lambda: replied(api, petition["id"]), what="the reply")
    case = view["cases"][0]
    assert case["agency"] == "000.00.00.G17"
    assert case["deliveries"][0]["state"] == "delivered"
    assert case["due_date"] is not None and case["calendar_version"].startswith("vn-holidays")
    reply = api.get(f"/v1/documents/{case['reply_document_id']}")
    verified = gateway.svc.verifier.verify(xml.parse(reply.content))
    verified.require_organ("000.00.00.G17")


def test_the_agency_received_exactly_the_bytes_the_gateway_stored_and_serves(gateway, api):
    petition = submit(api, 1)
    wait_until(lambda: replied(api, petition["id"]), what="the reply")
    transfer = stored(gateway, petition["id"], "transfer")[0]
    served = api.get(f"/v1/documents/{transfer.document_id}")
    assert served.content == transfer.body
    assert served.headers["X-Content-Sha256"] == hashlib.sha256(served.content).hexdigest()
    applied = simulator(gateway, "000.00.00.G18").state()["applied"]
    assert [a["sha256"] for a in applied if a["petition_id"] == petition["id"]] == [transfer.sha256]


def test_every_document_is_stored_with_the_sha256_of_its_exact_bytes(gateway, api):
    petition = submit(api, 2)
    wait_until(lambda: replied(api, petition["id"]), what="the reply")
    with gateway.svc.store.unit_of_work() as uow:
        documents = uow.documents.for_petition(petition["id"])
    kinds = sorted(d.kind for d in documents)
    # transfer out, agency receipt in, 5 statuses + reply in, and our 6 receipts out
    assert kinds.count("transfer") == 1 and kinds.count("status") == 5
    assert kinds.count("reply") == 1 and kinds.count("receipt") == 7
    for document in documents:
        assert hashlib.sha256(document.body).hexdigest() == document.sha256


def test_every_case_state_change_has_its_audit_event(gateway, api):
    petition = submit(api, 3)
    wait_until(lambda: replied(api, petition["id"]), what="the reply")
    with gateway.svc.store.unit_of_work() as uow:
        events = uow.audit.for_petition(petition["id"])
    changes = [e.details["state"] for e in events if e.action == "case.changed"]
    assert changes == ["arrived", "accepted", "assigned", "processing", "finished", "replied"]
    actions = {e.action for e in events}
    assert {
        "petition.received",
        "petition.routed",
        "delivery.delivered",
        "document.received",
        "receipt.issued",
    } <= actions


def test_a_document_sent_twice_gets_the_same_receipt_and_no_second_effect(gateway, api):
    petition = submit(api, 4)
    wait_until(lambda: replied(api, petition["id"]), what="the reply")
    status = stored(gateway, petition["id"], "status")[0]
    with gateway.svc.store.unit_of_work() as uow:
        receipt = uow.documents.get(status.receipt_id)
        events_before = len(uow.audit.for_petition(petition["id"]))
    again = api.post("/v1/edxml", content=status.body)
    assert again.status_code == 200
    assert again.headers["X-Duplicate"] == "true"
    assert again.content == receipt.body
    with gateway.svc.store.unit_of_work() as uow:
        assert len(uow.audit.for_petition(petition["id"])) == events_before


def test_an_agency_that_answers_4xx_leaves_the_delivery_failed_with_its_reason_and_a_dead_letter(
    gateway, api
):
    simulator(gateway, "000.00.00.G17").behaviour = Behaviour(reject_all=True)
    petition = submit(api, 0)

    def failed() -> dict[str, Any] | None:
        delivery = api.get(f"/v1/petitions/{petition['id']}").json()["cases"][0]["deliveries"][0]
        return delivery if delivery["state"] == "failed" else None

    delivery = wait_until(failed, what="the delivery to fail")
    assert delivery["failure_code"] == "DELIVERY_PERMANENT"
    assert "HTTP 400" in delivery["last_error"]
    dead = wait_until(lambda: gateway_dead_letters(gateway), what="a dead letter")
    assert any(delivery["delivery_id"] in d.message.body.decode() for d in dead)


def gateway_dead_letters(gateway: Running) -> list[Any]:
    from gateway.transport.embedded import EmbeddedTransport

    return EmbeddedTransport(gateway.svc.store.engine).dead_letters()


def test_an_agency_that_is_briefly_down_gets_the_petition_after_retries(gateway, api):
    sim = simulator(gateway, "000.00.00.G18")
    sim.requests = 0
    sim.behaviour = Behaviour(delay=0.02, fail_first=2)
    petition = submit(api, 1)
    view = wait_until(lambda: replied(api, petition["id"]), what="the reply")
    delivery = view["cases"][0]["deliveries"][0]
    assert delivery["state"] == "delivered" and delivery["attempts"] == 3


def test_the_signed_edxml_the_gateway_sends_verifies_with_xmlsec1(gateway, api, tmp_path):
    if shutil.which("xmlsec1") is None:
        if os.environ.get("CI"):
            pytest.fail("xmlsec1 is not installed (apt-get install -y xmlsec1)")
        pytest.skip("xmlsec1 is not installed")
    petition = submit(api, 5)
    transfer = stored(gateway, petition["id"], "transfer")[0]
    signed = tmp_path / "transfer.edxml"
    signed.write_bytes(transfer.body)
    ca = gateway.svc.settings.pki_path / "ca.pem"
    ok = subprocess.run(
        ["xmlsec1", "--verify", "--trusted-pem", str(ca), str(signed)],
        capture_output=True,
        text=True,
    )
    assert ok.returncode == 0, ok.stderr
    signed.write_bytes(transfer.body.replace("mẫu 6".encode(), "mẫu 7".encode(), 1))
    tampered = subprocess.run(
        ["xmlsec1", "--verify", "--trusted-pem", str(ca), str(signed)],
        capture_output=True,
        text=True,
    )
    assert tampered.returncode != 0
