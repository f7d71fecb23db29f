"""What an agency may send back: a reply must answer one of *our* documents, a second reply must
say it updates (2) or replaces (3) the first, and the receipt given with an inbox acknowledgement
must be the agency's own for the exact bytes — through the real API, on both databases."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from gateway.domain.documents import BusinessDocType, Receipt, ReceiptOutcome
from gateway.runtime.demo import sample_petition
from gateway.runtime.up import Running, start
from gateway.service import adapters
from gateway.service.admin import add_agency
from gateway.service.signatures import verify_signed
from gateway.simulator.agency import Behaviour
from gateway.store import tables as t
from schemas import edxml, xml
from schemas.receipt import decode_receipt, encode_receipt
from signing import DevPki, XmlSigner, load_key_pair
from tests.conftest import AGENCY_A, AGENCY_B, OPERATOR
from tests.helpers import wait_until
from tests.integration.test_reply_changes import case_of, replied_petition

G17, G18 = AGENCY_A[0], AGENCY_B[0]


def vn_now() -> datetime:
    return datetime.now(edxml.VN_TIME).replace(tzinfo=None, microsecond=0)


def signed_reply(
    gateway: Running,
    transfer_key: str,
    number: int,
    doc_type: BusinessDocType = BusinessDocType.NEW,
    *,
    answering: str | None = None,
) -> bytes:
    """G17's signed reply to ``transfer_key``; ``answering``: the ResponseFor OrganId."""
    sim = next(a.simulator for a in gateway.agencies if a.simulator.organ_id == G17)
    with gateway.svc.store.unit_of_work() as uow:
        transfer = uow.cases.by_transfer_key(transfer_key)
        assert transfer is not None
        body = next(
            d.body
            for d in uow.documents.for_petition(transfer.case.petition_id)
            if d.kind == "transfer"
        )
    original = edxml.decode(xml.parse(body))
    assert isinstance(original, edxml.Edoc)
    me = edxml.Organ(G17, organ_name=sim.name, organization_in_charge=sim.name)
    ref = edxml.ResponseFor(
        answering or gateway.svc.organ_id,
        code=f"{original.code_number}/{original.code_notation}",
        promulgation_date=original.promulgation_date,
        document_id=original.document_id,
    )
    reply = sim._reply(original, me, ref, vn_now())
    reply = replace(
        reply,
        document_id=f"{G17},{reply.promulgation_date:%Y/%m/%d},{number}/TL",
        code_number=str(number),
        code_notation="TL",
        business=edxml.Business(doc_type, reason="Văn bản trả lời"),
    )
    root = edxml.encode_edoc(reply)
    return sim.signer.sign(root, edxml.header_of(root))


def assert_refused(gateway: Running, response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    problem = response.json()
    assert problem["code"] == code
    svc = gateway.svc
    receipt = decode_receipt(
        verify_signed(
            svc.trust, xml.parse(problem["receipt"].encode()), svc.organ_id, legacy=False
        ).signed_root
    )
    assert (receipt.outcome, receipt.reason_code) == (ReceiptOutcome.REJECTED, code)


def test_a_second_new_reply_is_a_conflict_and_the_first_stays_the_reply(gateway, api):
    petition = replied_petition(gateway, api)
    case = petition["cases"][0]

    answer = api.post("/v1/edxml", content=signed_reply(gateway, case["transfer_document"], 904))

    assert_refused(gateway, answer, 409, "CONFLICT")
    after = case_of(api, petition["id"])
    assert after["state"] == "replied"
    assert after["reply_document_id"] == case["reply_document_id"]


def test_an_updating_reply_is_still_taken_after_a_refused_new_one(gateway, api):
    petition = replied_petition(gateway, api)
    case = petition["cases"][0]
    transfer = case["transfer_document"]
    refused = api.post("/v1/edxml", content=signed_reply(gateway, transfer, 905))
    assert refused.status_code == 409

    update = api.post(
        "/v1/edxml", content=signed_reply(gateway, transfer, 906, BusinessDocType.UPDATE)
    )

    assert update.status_code == 200, update.text
    assert case_of(api, petition["id"])["reply_document_id"] == update.headers["X-Document-Id"]


def test_a_reply_answering_another_organs_document_is_the_wrong_recipient(gateway, api):
    for agency in gateway.agencies:  # the simulated agency stays silent: we speak for it
        agency.simulator.behaviour = Behaviour(delay=600)
    response = api.post("/v1/petitions", json={**sample_petition(0), "route_to": [G17]})
    petition = response.json()
    transfer = petition["cases"][0]["transfer_document"]

    answer = api.post("/v1/edxml", content=signed_reply(gateway, transfer, 907, answering=G18))

    assert_refused(gateway, answer, 400, "WRONG_RECIPIENT")  # as a status about G18's document
    after = case_of(api, petition["id"])
    assert after["state"] == "transferred" and after["reply_document_id"] is None


# -- acknowledging a pulled document with a receipt --------------------------------------------


@pytest.fixture
def pull(settings, db_url) -> Iterator[tuple[Running, httpx.Client, str]]:
    running = start(settings.with_(database_url=db_url), with_demo=False)
    for organ_id, name in (AGENCY_A, AGENCY_B):
        add_agency(running.svc, organ_id, name)
    added = adapters.add(running.svc, G17, "pull", {}, enabled=True)
    assert added.token is not None
    try:
        with httpx.Client(base_url=running.api.url, timeout=10) as client:
            yield running, client, added.token
    finally:
        running.shutdown()


def agency_receipt(pki_dir, signer_organ: str, item: dict[str, Any], digest: str) -> bytes:
    signer = XmlSigner(load_key_pair(*DevPki(pki_dir).agency_paths(signer_organ)))
    return signer.sign(
        encode_receipt(
            Receipt(
                receipt_id="agency-ack-1",
                document_id=item["doc_key"],
                sender="000.00.00.G22",
                receiver=G17,
                digest_sha256=digest,
                received_at=datetime.now(UTC),
            )
        )
    )


def counts(running: Running) -> tuple[int, int]:
    with running.svc.store.engine.connect() as c:
        return (
            c.execute(select(func.count()).select_from(t.documents)).scalar_one(),
            c.execute(select(func.count()).select_from(t.audit_events)).scalar_one(),
        )


@pytest.mark.parametrize(
    ("signer", "right_digest"),
    [(G18, True), (G17, False)],
    ids=["signed-by-another-agency", "for-other-bytes"],
)
def test_an_ack_with_a_receipt_that_is_not_the_agencys_is_a_422_and_records_nothing(
    pull, pki_dir, caplog, signer: str, right_digest: bool
):
    running, api, token = pull
    headers = {"Authorization": f"Bearer {token}"}
    created = api.post(
        "/v1/petitions", json={**sample_petition(0), "route_to": [G17]}, headers=OPERATOR
    )
    assert created.status_code == 201, created.text
    [item] = wait_until(
        lambda: api.get(f"/v1/agencies/{G17}/inbox", headers=headers).json()["documents"],
        what="the document in G17's inbox",
    )
    before = counts(running)
    receipt = agency_receipt(pki_dir, signer, item, item["sha256"] if right_digest else "0" * 64)

    caplog.set_level(logging.WARNING, logger="gateway")
    answer = api.post(item["ack"], content=receipt, headers=headers)

    assert answer.status_code == 422, answer.text
    assert answer.json()["code"] == "RECEIPT_MISMATCH"
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]  # the client's fault
    assert counts(running) == before
    still = api.get(f"/v1/agencies/{G17}/inbox", headers=headers).json()["documents"]
    assert [d["document_id"] for d in still] == [item["document_id"]]
    fine = api.post(item["ack"], headers=headers)  # the same ack without the bad receipt
    assert fine.status_code == 200 and fine.json()["duplicate"] is False
