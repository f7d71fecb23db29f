"""Biên nhận: receipts we sign for what we accept, and receipts agencies sign for what we send."""

from __future__ import annotations

from datetime import datetime

from gateway.domain.audit import AuditAction
from gateway.domain.documents import DocumentKind, Receipt, ReceiptOutcome, sha256_hex
from gateway.errors import GatewayError, PermanentDeliveryError, ReceiptRejected
from gateway.service.services import Services
from gateway.service.signatures import legacy_lookup, verify_signed
from gateway.store.base import new_id
from gateway.store.documents import StoredDocument
from gateway.store.uow import UnitOfWork
from schemas import xml
from schemas.receipt import decode_receipt, encode_receipt


def issue_receipt(
    svc: Services, uow: UnitOfWork, *, for_document: StoredDocument, at: datetime
) -> bytes:
    """Sign and store a receipt for an accepted document; link it to the document."""
    receipt = Receipt(
        receipt_id=new_id(),
        document_id=for_document.doc_key,
        sender=for_document.sender,
        receiver=svc.organ_id,
        digest_sha256=for_document.sha256,
        received_at=at,
        outcome=ReceiptOutcome.ACCEPTED,
    )
    body = svc.signer.sign(encode_receipt(receipt))
    uow.documents.add(
        StoredDocument(
            document_id=receipt.receipt_id,
            direction="out",
            kind=DocumentKind.RECEIPT.value,
            doc_key=receipt.receipt_id,
            sender=svc.organ_id,
            recipient=for_document.sender,
            sha256=sha256_hex(body),
            body=body,
            created_at=at,
            petition_id=for_document.petition_id,
            case_id=for_document.case_id,
        )
    )
    uow.documents.set_receipt(for_document.document_id, receipt.receipt_id)
    uow.audit.record(
        AuditAction.RECEIPT_ISSUED,
        actor="gateway",
        at=at,
        petition_id=for_document.petition_id,
        case_id=for_document.case_id,
        document_id=for_document.document_id,
        organ_id=for_document.sender,
        sha256=for_document.sha256,
        receipt_id=receipt.receipt_id,
    )
    return body


def check_agency_receipt(
    svc: Services, body: bytes, *, organ_id: str, doc_key: str, sha256: str
) -> Receipt | None:
    """Verify an agency system's answer to our push delivery as a signed receipt for exactly what
    we sent (see :func:`verify_agency_receipt`).

    Raises:
        PermanentDeliveryError(RECEIPT_MISMATCH): a receipt that names another document or
            another digest, or is not validly signed by the agency — the delivery will never
            succeed as is.
    """
    try:
        return verify_agency_receipt(svc, body, organ_id=organ_id, doc_key=doc_key, sha256=sha256)
    except ReceiptRejected as e:
        raise PermanentDeliveryError(e.message, code=e.code) from e


def verify_agency_receipt(
    svc: Services,
    body: bytes,
    *,
    organ_id: str,
    doc_key: str,
    sha256: str,
    legacy: bool | None = None,
) -> Receipt | None:
    """Verify ``body`` as ``organ_id``'s signed receipt for exactly what we sent.

    Returns the receipt, or None when the answer is not a receipt at all (some systems answer
    with a plain acknowledgement; it is still kept as evidence).

    ``legacy``: whether the agency is flagged legacy (SHA-1 signatures accepted), for a caller
    that has read it already; None reads it, only if the receipt is signed with SHA-1.

    Raises:
        ReceiptRejected(RECEIPT_MISMATCH): a receipt that names another document or another
            digest, or is not validly signed by the agency (the agency's fault: 422).
        PermanentDeliveryError: a valid receipt saying the agency rejected the document.
    """
    if not body.lstrip().startswith((b"<", b"\xef\xbb\xbf")):
        return None
    try:
        root = xml.parse(body)
    except GatewayError:
        return None
    if root.tag != "{urn:vn:gov:vpcp:pakn:receipt:1}Receipt":
        return None
    try:
        verified = verify_signed(
            svc.trust,
            root,
            organ_id,
            legacy=legacy_lookup(svc.store, organ_id) if legacy is None else legacy,
        )
        receipt = decode_receipt(verified.signed_root)
    except GatewayError as e:
        raise ReceiptRejected(f"the agency's receipt is not acceptable: {e}") from e
    if receipt.document_id != doc_key or receipt.digest_sha256 != sha256:
        raise ReceiptRejected(
            f"the agency's receipt names {receipt.document_id} / {receipt.digest_sha256[:12]}…, "
            f"not what was sent ({doc_key} / {sha256[:12]}…)"
        )
    if receipt.outcome != ReceiptOutcome.ACCEPTED:
        raise PermanentDeliveryError(
            f"the agency rejected the document: {receipt.reason_code} {receipt.reason or ''}"
        )
    return receipt


def keep_agency_receipt(
    svc: Services,
    uow: UnitOfWork,
    receipt: Receipt,
    body: bytes,
    *,
    organ_id: str,
    petition_id: str | None,
    case_id: int,
    at: datetime,
) -> str:
    """Store an agency's signed receipt as evidence of a delivery (once); its document id."""
    if uow.documents.get(receipt.receipt_id) is None:
        uow.documents.add(
            StoredDocument(
                document_id=receipt.receipt_id,
                direction="in",
                kind=DocumentKind.RECEIPT.value,
                doc_key=receipt.receipt_id,
                sender=organ_id,
                recipient=svc.organ_id,
                sha256=sha256_hex(body),
                body=body,
                created_at=at,
                petition_id=petition_id,
                case_id=case_id,
                signer=organ_id,
            )
        )
    return receipt.receipt_id
