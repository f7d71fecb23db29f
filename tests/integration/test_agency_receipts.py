"""Non-repudiation of delivery: an agency's signed receipt must name the digest of exactly what we
sent, and be signed by that agency."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from gateway.domain.documents import Receipt, ReceiptOutcome
from gateway.errors import ErrorCode, PermanentDeliveryError
from gateway.service.receipts import check_agency_receipt
from schemas.receipt import encode_receipt
from signing import DevPki, XmlSigner, load_key_pair

G17, G18 = "000.00.00.G17", "000.00.00.G18"
SENT = b"<edXML>the exact bytes we sent</edXML>"
DIGEST = hashlib.sha256(SENT).hexdigest()
KEY = "000.00.00.G22,2026/11/22,1/VPCP-PAKN"


def receipt_from(
    pki_dir: Path,
    signer_organ: str,
    *,
    digest: str = DIGEST,
    outcome: ReceiptOutcome = ReceiptOutcome.ACCEPTED,
) -> bytes:
    signer = XmlSigner(load_key_pair(*DevPki(pki_dir).agency_paths(signer_organ)))
    return signer.sign(
        encode_receipt(
            Receipt(
                receipt_id="agency-r-1",
                document_id=KEY,
                sender="000.00.00.G22",
                receiver=G17,
                digest_sha256=digest,
                received_at=datetime.now(UTC),
                outcome=outcome,
            )
        )
    )


def test_a_receipt_naming_what_was_sent_is_kept(svc, pki_dir: Path) -> None:
    receipt = check_agency_receipt(
        svc, receipt_from(pki_dir, G17), organ_id=G17, doc_key=KEY, sha256=DIGEST
    )
    assert receipt is not None and receipt.digest_sha256 == DIGEST


@pytest.mark.parametrize(
    ("signer", "digest"),
    [(G17, "0" * 64), (G18, DIGEST)],
    ids=["another-digest", "signed-by-another-agency"],
)
def test_a_receipt_for_other_bytes_or_from_another_agency_is_a_mismatch(
    svc, pki_dir: Path, signer: str, digest: str
) -> None:
    with pytest.raises(PermanentDeliveryError) as caught:
        check_agency_receipt(
            svc,
            receipt_from(pki_dir, signer, digest=digest),
            organ_id=G17,
            doc_key=KEY,
            sha256=DIGEST,
        )
    assert caught.value.code == ErrorCode.RECEIPT_MISMATCH
