"""Bad input gets a clear problem document with a stable code, and changes nothing."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
import signxml
from lxml import etree
from sqlalchemy import func, select, update

from gateway.domain.documents import StatusCode
from gateway.runtime.demo import sample_petition
from gateway.simulator.agency import Behaviour
from gateway.store import tables as t
from schemas import edxml
from schemas.xml import tostring
from signing import DevPki, XmlSigner, load_key_pair
from tests.helpers import wait_until

AGENCY = "000.00.00.G17"
DS = "http://www.w3.org/2000/09/xmldsig#"


def counts(gateway) -> tuple[int, int, int]:
    """Documents, audit events other than the rejections themselves and the seals of the chain
    (the running gateway's sealer may seal at any moment), petitions."""
    business_events = (
        select(func.count())
        .select_from(t.audit_events)
        .where(t.audit_events.c.action.not_in(("document.rejected", "audit.sealed")))
    )
    with gateway.svc.store.engine.connect() as c:
        return (
            c.execute(select(func.count()).select_from(t.documents)).scalar_one(),
            c.execute(business_events).scalar_one(),
            c.execute(select(func.count()).select_from(t.petitions)).scalar_one(),
        )


def settled(api, *petitions: dict) -> None:
    """Wait until every delivery of these petitions is final (the agency's receipt is then
    stored): the worker runs in the background, and its writes must not fall between two counts."""

    def final() -> bool:
        views = [api.get(f"/v1/petitions/{p['id']}").json() for p in petitions]
        states = [d["state"] for v in views for c in v["cases"] for d in c["deliveries"]]
        return bool(states) and all(s in ("delivered", "failed") for s in states)

    wait_until(final, what="the transfers to be delivered")


def signer_for(pki_dir: Path, organ_id: str) -> XmlSigner:
    key, cert = DevPki(pki_dir).issue(organ_id, organ_id)
    return XmlSigner(load_key_pair(key, cert))


def vn_now() -> datetime:
    """Now as an agency stamps it: Vietnam's local time, naive, whole seconds."""
    return datetime.now(edxml.VN_TIME).replace(tzinfo=None, microsecond=0)


def status_root(
    sender: str = AGENCY,
    ref: str = "000.00.00.G22,2026/01/05,1/VPCP-PAKN",
    code: StatusCode = StatusCode.ARRIVED,
):
    return edxml.encode_status(
        edxml.StatusPackage(
            edxml.Organ(sender, organ_name="Bộ Xây dựng"),
            edxml.ResponseFor("000.00.00.G22", document_id=ref),
            code,
            vn_now(),
            description="Đã đến",
        )
    )


def signed(pki_dir: Path, root, organ_id: str = AGENCY) -> bytes:
    return signer_for(pki_dir, organ_id).sign(root, edxml.header_of(root))


def assert_problem(response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == code and body["status"] == status and body["detail"]


@pytest.fixture
def before(gateway):
    return counts(gateway)


def test_malformed_xml_is_refused(gateway, api, before):
    assert_problem(api.post("/v1/edxml", content=b"<edXML><unclosed>"), 400, "XML_MALFORMED")
    assert counts(gateway) == before


def test_a_dtd_is_refused_before_parsing(gateway, api, before):
    bomb = b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY a "aaaa">]><edXML>&a;</edXML>'
    assert_problem(api.post("/v1/edxml", content=bomb), 400, "XML_DTD_FORBIDDEN")
    assert counts(gateway) == before


def test_an_unsigned_status_is_refused(gateway, api, before):
    assert_problem(api.post("/v1/edxml", content=tostring(status_root())), 422, "SIGNATURE_MISSING")
    assert counts(gateway) == before


def test_a_status_altered_after_signing_is_refused(gateway, api, pki_dir, before):
    body = signed(pki_dir, status_root()).replace("Đã đến".encode(), b"Xong")
    assert_problem(api.post("/v1/edxml", content=body), 422, "SIGNATURE_INVALID")
    assert counts(gateway) == before


def test_a_signed_document_that_breaks_the_schema_is_refused(gateway, api, pki_dir, before):
    root = status_root()
    edxml.header_of(root)[0].append(root.makeelement(f"{{{edxml.NS}}}Surprise"))
    assert_problem(api.post("/v1/edxml", content=signed(pki_dir, root)), 422, "SCHEMA_INVALID")
    assert counts(gateway) == before


def test_a_status_in_another_agencys_name_is_refused(gateway, api, pki_dir, before):
    body = signed(pki_dir, status_root(sender="000.00.00.G18"), organ_id=AGENCY)
    assert_problem(api.post("/v1/edxml", content=body), 422, "CERT_ORGAN_MISMATCH")
    assert counts(gateway) == before


def test_a_status_from_an_unregistered_agency_is_refused(gateway, api, pki_dir, before):
    body = signed(pki_dir, status_root(sender="000.00.00.G99"), organ_id="000.00.00.G99")
    assert_problem(api.post("/v1/edxml", content=body), 404, "UNKNOWN_AGENCY")
    assert counts(gateway) == before


def test_a_status_about_a_transfer_that_does_not_exist_is_refused(gateway, api, pki_dir, before):
    assert_problem(
        api.post("/v1/edxml", content=signed(pki_dir, status_root())), 404, "UNKNOWN_DOCUMENT"
    )
    assert counts(gateway) == before


def test_an_oversize_body_is_refused_without_being_read_whole(gateway, api, before):
    limit = gateway.svc.settings.max_document_bytes
    assert_problem(api.post("/v1/edxml", content=b"<" + b"x" * limit + b">"), 413, "BODY_TOO_LARGE")
    assert counts(gateway) == before


def test_a_petition_with_missing_fields_is_refused_naming_them_not_their_values(
    gateway, api, before
):
    body = sample_petition(0)
    del body["title"]
    response = api.post("/v1/petitions", json=body)
    assert_problem(response, 422, "INPUT_INVALID")
    assert "title" in response.json()["detail"]
    assert "Người phản ánh" not in response.text
    assert counts(gateway) == before


def test_a_petition_routed_to_an_unknown_agency_is_refused_and_not_stored(gateway, api, before):
    response = api.post("/v1/petitions", json={**sample_petition(0), "route_to": ["000.00.00.G99"]})
    assert_problem(response, 404, "UNKNOWN_AGENCY")
    assert counts(gateway) == before


def test_an_unknown_petition_is_a_404_problem(api):
    assert_problem(api.get("/v1/petitions/nope"), 404, "NOT_FOUND")


def test_a_petition_routed_to_a_known_and_an_unknown_agency_leaves_no_trace_of_either(
    gateway, api, before
):
    response = api.post(
        "/v1/petitions", json={**sample_petition(0), "route_to": ["000.00.00.G17", "000.00.00.G99"]}
    )
    assert_problem(response, 404, "UNKNOWN_AGENCY")
    assert counts(gateway) == before  # not the G17 transfer, its delivery or audit events


def test_a_status_that_would_reopen_a_returned_case_is_a_409_and_changes_nothing(
    gateway, api, pki_dir
):
    for agency in gateway.agencies:  # the simulated agency stays silent: we speak for it
        agency.simulator.behaviour = Behaviour(delay=600)
    petition = api.post("/v1/petitions", json=sample_petition(0)).json()
    transfer = petition["cases"][0]["transfer_document"]
    returned = api.post(
        "/v1/edxml", content=signed(pki_dir, status_root(ref=transfer, code=StatusCode.REJECTED))
    )
    assert returned.status_code == 200
    assert api.get(f"/v1/petitions/{petition['id']}").json()["status"] == "returned"
    settled(api, petition)
    before = counts(gateway)
    late = status_root(ref=transfer, code=StatusCode.ACCEPTED)
    late.find(f".//{{{edxml.NS}}}Timestamp").text = edxml.format_timestamp(
        vn_now() + timedelta(minutes=1)
    )
    assert_problem(api.post("/v1/edxml", content=signed(pki_dir, late)), 409, "ILLEGAL_TRANSITION")
    assert counts(gateway) == before


class _Sha1Signer(signxml.XMLSigner):
    """The old e-office software signs RSA-SHA1; signxml refuses to unless told otherwise."""

    def check_deprecated_methods(self) -> None:
        return None


def sha1_signed(pki_dir: Path, root, organ_id: str) -> bytes:
    key, cert = DevPki(pki_dir).issue(organ_id, organ_id)
    pair = load_key_pair(key, cert)
    header = edxml.header_of(root)
    etree.SubElement(header, f"{{{DS}}}Signature", {"Id": "placeholder"}, nsmap={"ds": DS})
    signed = _Sha1Signer(
        method=signxml.SignatureConstructionMethod.enveloped,
        signature_algorithm="rsa-sha1",
        digest_algorithm="sha1",
        c14n_algorithm="http://www.w3.org/2001/10/xml-exc-c14n#",
    ).sign(root, key=pair.private_key, cert=[pair.certificate])
    return etree.tostring(signed, xml_declaration=True, encoding="UTF-8")


def test_sha1_is_accepted_only_from_an_agency_flagged_legacy(gateway, api, pki_dir):
    for agency in gateway.agencies:
        agency.simulator.behaviour = Behaviour(delay=600)
    with gateway.svc.store.engine.begin() as c:
        c.execute(
            update(t.agencies)
            .where(t.agencies.c.organ_id == "000.00.00.G17")
            .values(legacy_sha1=True)
        )
    legacy = api.post("/v1/petitions", json=sample_petition(0)).json()  # → G17
    modern = api.post("/v1/petitions", json=sample_petition(1)).json()  # → G18
    accepted = api.post(
        "/v1/edxml",
        content=sha1_signed(
            pki_dir, status_root(ref=legacy["cases"][0]["transfer_document"]), AGENCY
        ),
    )
    assert accepted.status_code == 200, accepted.text
    with gateway.svc.store.engine.connect() as c:  # recorded as a legacy SHA-1 document
        received = c.execute(
            select(t.audit_events.c.details).where(
                t.audit_events.c.action == "document.received",
                t.audit_events.c.document_id == accepted.headers["X-Document-Id"],
            )
        ).scalar_one()
        stored = c.execute(
            select(t.documents.c.signature_algorithm).where(
                t.documents.c.document_id == accepted.headers["X-Document-Id"]
            )
        ).scalar_one()
    assert received["legacy_sha1"] is True and stored.endswith("rsa-sha1")
    settled(api, legacy, modern)
    before = counts(gateway)
    refused = api.post(
        "/v1/edxml",
        content=sha1_signed(
            pki_dir,
            status_root(sender="000.00.00.G18", ref=modern["cases"][0]["transfer_document"]),
            "000.00.00.G18",
        ),
    )
    assert_problem(refused, 422, "SIGNATURE_ALGORITHM_REFUSED")
    assert counts(gateway) == before


def test_a_non_legacy_agency_cannot_borrow_a_legacy_agencys_name_to_pass_sha1(
    gateway, api, pki_dir, before
):
    with gateway.svc.store.engine.begin() as c:
        c.execute(
            update(t.agencies)
            .where(t.agencies.c.organ_id == "000.00.00.G17")
            .values(legacy_sha1=True)
        )
    # claims to be the legacy G17, but is signed with G18's certificate
    body = sha1_signed(pki_dir, status_root(sender=AGENCY), "000.00.00.G18")
    assert_problem(api.post("/v1/edxml", content=body), 422, "CERT_ORGAN_MISMATCH")
    assert counts(gateway) == before
