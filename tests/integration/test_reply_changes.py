"""An agency revokes, updates or replaces its signed reply (BussinessDocType 1/2/3), and sends
recall statuses 13/15/16 — through the real API, on both databases."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

import httpx

from gateway.domain.documents import BusinessDocType, StatusCode
from gateway.runtime.demo import sample_petition
from gateway.runtime.up import Running
from schemas import edxml, xml
from tests.helpers import wait_until

G17 = "000.00.00.G17"


def replied_petition(gateway: Running, api: httpx.Client) -> dict[str, Any]:
    response = api.post("/v1/petitions", json={**sample_petition(0), "route_to": [G17]})
    assert response.status_code == 201, response.text
    petition_id = response.json()["id"]
    return wait_until(
        lambda: (v := api.get(f"/v1/petitions/{petition_id}").json())["status"] == "replied" and v,
        what="the reply",
    )


def signed_edoc(
    gateway: Running, transfer_key: str, number: int, doc_type: BusinessDocType
) -> bytes:
    sim = next(a.simulator for a in gateway.agencies if a.simulator.organ_id == G17)
    with gateway.svc.store.unit_of_work() as uow:
        transfer = uow.cases.by_transfer_key(transfer_key)
        body = next(
            d.body
            for d in uow.documents.for_petition(transfer.case.petition_id)
            if d.kind == "transfer"
        )
    original = edxml.decode(xml.parse(body))
    assert isinstance(original, edxml.Edoc)
    me = edxml.Organ(G17, organ_name=sim.name, organization_in_charge=sim.name)
    ref = edxml.ResponseFor(
        gateway.svc.organ_id,
        code=f"{original.code_number}/{original.code_notation}",
        promulgation_date=original.promulgation_date,
        document_id=original.document_id,
    )
    reply = sim._reply(
        original, me, ref, datetime.now(edxml.VN_TIME).replace(tzinfo=None, microsecond=0)
    )
    reply = replace(
        reply,
        document_id=f"{G17},{reply.promulgation_date:%Y/%m/%d},{number}/TL",
        code_number=str(number),
        code_notation="TL",
        business=edxml.Business(doc_type, reason="Điều chỉnh văn bản trả lời"),
    )
    root = edxml.encode_edoc(reply)
    return sim.signer.sign(root, edxml.header_of(root))


def signed_status(gateway: Running, transfer_key: str, code: StatusCode) -> bytes:
    sim = next(a.simulator for a in gateway.agencies if a.simulator.organ_id == G17)
    me = edxml.Organ(G17, organ_name=sim.name, organization_in_charge=sim.name)
    ref = edxml.ResponseFor(gateway.svc.organ_id, code="1/VPCP-PAKN", document_id=transfer_key)
    root = edxml.encode_status(
        edxml.StatusPackage(
            me,
            ref,
            code,
            datetime.now(edxml.VN_TIME).replace(tzinfo=None, microsecond=0),
            description="Đề nghị thu hồi",
        )
    )
    return sim.signer.sign(root, edxml.header_of(root))


def case_of(api: httpx.Client, petition_id: str) -> dict[str, Any]:
    return api.get(f"/v1/petitions/{petition_id}").json()["cases"][0]


def test_a_replacing_reply_becomes_the_reply_and_the_old_one_is_kept(gateway, api):
    petition = replied_petition(gateway, api)
    case = petition["cases"][0]
    answer = api.post(
        "/v1/edxml",
        content=signed_edoc(gateway, case["transfer_document"], 901, BusinessDocType.REPLACE),
    )
    assert answer.status_code == 200, answer.text
    after = case_of(api, petition["id"])
    assert after["state"] == "replied"
    assert after["reply_document_id"] == answer.headers["X-Document-Id"]
    assert after["reply_document_id"] != case["reply_document_id"]
    old = api.get(f"/v1/documents/{case['reply_document_id']}")
    assert old.status_code == 200  # the replaced reply stays in the record
    with gateway.svc.store.unit_of_work() as uow:
        last = [e for e in uow.audit.for_petition(petition["id"]) if e.action.startswith("case.")]
    assert last[-1].details["previous_reply_id"] == case["reply_document_id"]
    assert last[-1].details["business_doc_type"] == 3


def test_a_revoked_reply_puts_the_case_back_in_processing_with_a_new_period(gateway, api):
    petition = replied_petition(gateway, api)
    case = petition["cases"][0]
    answer = api.post(
        "/v1/edxml",
        content=signed_edoc(gateway, case["transfer_document"], 902, BusinessDocType.REVOKE),
    )
    assert answer.status_code == 200, answer.text
    after = case_of(api, petition["id"])
    assert after["state"] == "processing" and after["reply_document_id"] is None
    assert after["clock_start_at"] > case["clock_start_at"]
    again = api.post(
        "/v1/edxml",
        content=signed_edoc(gateway, case["transfer_document"], 903, BusinessDocType.REVOKE),
    )
    assert again.status_code == 409 and again.json()["code"] == "ILLEGAL_TRANSITION"
    assert case_of(api, petition["id"])["state"] == "processing"


def test_recall_statuses_13_are_recorded_without_moving_the_case(gateway, api):
    petition = replied_petition(gateway, api)
    case = petition["cases"][0]
    answer = api.post(
        "/v1/edxml",
        content=signed_status(gateway, case["transfer_document"], StatusCode.RECALL_REQUESTED),
    )
    assert answer.status_code == 200, answer.text
    assert case_of(api, petition["id"])["state"] == "replied"
    with gateway.svc.store.unit_of_work() as uow:
        event = uow.audit.for_petition(petition["id"])[-2]  # before our receipt's event
    assert event.action == "case.unchanged" and event.details["status_code"] == "13"
    assert event.details["note"].startswith("13: the agency asks to recall")
