"""End to end, on each database: a document signed with a certificate that chains to a trusted
agency CA but breaks the signer key policy (RSA-1024, a curve other than P-256/P-384, an Ed25519
key, CA:TRUE, an EKU limited to TLS) is refused by ``POST /v1/edxml`` with its own code — in the
problem body, in our signed rejection receipt and in the audit event — and changes nothing."""

from __future__ import annotations

from pathlib import Path

from cryptography.x509.oid import ExtendedKeyUsageOID
from sqlalchemy import select

from gateway.domain.documents import ReceiptOutcome
from gateway.service.signatures import verify_signed
from gateway.store import tables as t
from schemas import edxml, xml
from schemas.receipt import decode_receipt
from signing import KeyPair, XmlSigner, load_key_pair
from signing.pki import DevPki
from tests.integration.test_bad_input import counts, status_root
from tests.signer_certs import REFUSED, Variant, issue


def signed_with(pair: KeyPair, description: str) -> bytes:
    root = status_root()
    root.find(".//{*}Description").text = description
    return XmlSigner(pair).sign(root, edxml.header_of(root))


def rejection_events(gateway) -> list[dict]:
    with gateway.svc.store.engine.connect() as c:
        rows = c.execute(
            select(t.audit_events.c.details)
            .where(t.audit_events.c.action == "document.rejected")
            .order_by(t.audit_events.c.seq)
        )
        return [row.details for row in rows]


def test_documents_signed_outside_the_signer_policy_are_refused_with_their_codes(
    gateway, api, pki_dir: Path
) -> None:
    dev = DevPki(pki_dir)  # the CA the running gateway trusts
    ca = load_key_pair(dev.ca_key_path, dev.ca_path)
    svc = gateway.svc
    before = counts(gateway)

    for variant in REFUSED:
        body = signed_with(issue(variant, ca), f"Đã đến ({variant.name})")
        events_before = len(rejection_events(gateway))

        response = api.post("/v1/edxml", content=body)

        problem = response.json()
        assert response.status_code == 422, (variant.name, response.text)
        assert problem["code"] == variant.expected, (variant.name, problem)
        receipt = decode_receipt(
            verify_signed(
                svc.trust, xml.parse(problem["receipt"].encode()), svc.organ_id, legacy=False
            ).signed_root
        )
        assert (receipt.outcome, receipt.reason_code) == (
            ReceiptOutcome.REJECTED,
            variant.expected,
        ), variant.name
        events = rejection_events(gateway)
        assert len(events) == events_before + 1, variant.name
        assert events[-1]["code"] == variant.expected
        assert events[-1]["receipt_id"] == receipt.receipt_id
    assert counts(gateway) == before


def test_a_conforming_certificate_from_the_same_ca_gets_past_the_signer_checks(
    gateway, api, pki_dir: Path
) -> None:
    """The control: the same document signed under the same CA with a certificate the policy
    accepts fails only for what it says (it reports on a transfer that does not exist)."""
    dev = DevPki(pki_dir)
    pair = issue(
        Variant(
            "ec-p384-email-protection",
            key="ec-p384",
            usages=(ExtendedKeyUsageOID.EMAIL_PROTECTION,),
        ),
        load_key_pair(dev.ca_key_path, dev.ca_path),
    )

    response = api.post("/v1/edxml", content=signed_with(pair, "Đã đến"))

    assert response.status_code == 404 and response.json()["code"] == "UNKNOWN_DOCUMENT"
