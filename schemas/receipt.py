"""Biên nhận (``urn:vn:gov:vpcp:pakn:receipt:1``): proof that the receiver got the exact bytes.

The receipt is encoded unsigned; the signer appends an enveloped ``ds:Signature`` as the root's
last child, which decoding ignores (the verifier has already checked it).
"""

from __future__ import annotations

from lxml import etree

from gateway.domain.documents import Receipt, ReceiptOutcome
from schemas.validate import Schema, validate
from schemas.values import add, children, format_utc, parse_utc, text

NS = "urn:vn:gov:vpcp:pakn:receipt:1"
VERSION = "1"
DIGEST_ALGORITHM = "sha-256"


def _add(parent: etree._Element, name: str, value: str) -> etree._Element:
    return add(parent, NS, name, value)


def encode_receipt(r: Receipt) -> etree._Element:
    """Build the unsigned receipt document."""
    root = etree.Element(f"{{{NS}}}Receipt", nsmap={None: NS})
    root.set("version", VERSION)
    _add(root, "ReceiptId", r.receipt_id)
    _add(root, "DocumentId", r.document_id)
    _add(root, "Sender", r.sender)
    _add(root, "Receiver", r.receiver)
    _add(root, "Digest", r.digest_sha256).set("algorithm", DIGEST_ALGORITHM)
    _add(root, "ReceivedAt", format_utc(r.received_at))
    outcome = _add(root, "Outcome", ReceiptOutcome(r.outcome).value)
    if r.reason_code is not None:
        outcome.set("code", r.reason_code)
    if r.reason is not None:
        _add(root, "Reason", r.reason)
    return root


def decode_receipt(root: etree._Element) -> Receipt:
    """Read a receipt, signed or not (``received_at`` aware UTC).

    Raises:
        SchemaRejected: code SCHEMA_INVALID, when it is not a valid version-1 receipt.
    """
    validate(root, Schema.RECEIPT)
    fields = children(root)  # a ds:Signature is collected under "Signature" and never read
    reason = fields.get("Reason")
    code = fields["Outcome"].get("code")
    return Receipt(
        receipt_id=text(fields, "ReceiptId"),
        document_id=text(fields, "DocumentId"),
        sender=text(fields, "Sender"),
        receiver=text(fields, "Receiver"),
        digest_sha256=text(fields, "Digest"),
        received_at=parse_utc(text(fields, "ReceivedAt")),
        outcome=ReceiptOutcome(text(fields, "Outcome")),
        reason_code=None if code is None else code.strip(),
        reason=None if reason is None else text(fields, "Reason"),
    )
