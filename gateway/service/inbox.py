"""Hộp thư đến: a pull agency's inbox on the gateway.

Each agency authenticates with its own token (stored as a SHA-256 only) and sees only its own
documents: anything else is "not found", worded exactly like a document that does not exist, so
nothing leaks. A document stays in the inbox until the agency acknowledges it; the
acknowledgement completes the delivery and starts the agency's 20-working-day clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gateway.domain.audit import AuditAction
from gateway.domain.delivery import DeliveryState
from gateway.domain.documents import sha256_hex
from gateway.errors import Forbidden, NotFound, Unauthorized
from gateway.service.delivery import _start_clock
from gateway.service.receipts import keep_agency_receipt, verify_agency_receipt
from gateway.service.services import Services
from gateway.service.signatures import flagged_legacy
from gateway.store.documents import StoredDocument


def authenticate(svc: Services, token: str | None) -> str:
    """The agency a bearer token belongs to. Raises Unauthorized."""
    if not token:
        raise Unauthorized("this call needs the agency's token: Authorization: Bearer <token>")
    with svc.store.unit_of_work() as uow:
        organ_id = uow.tokens.organ_for(token)
    if organ_id is None:
        raise Unauthorized("unknown or revoked token")
    return organ_id


def inbox(svc: Services, organ_id: str, *, caller: str, limit: int = 100) -> list[dict[str, Any]]:
    if caller != organ_id:
        raise Forbidden("a token gives access to its own agency's inbox only")
    with svc.store.unit_of_work() as uow:
        items = uow.inbox.waiting(organ_id, limit=limit)
    return [
        {
            "document_id": i.document_id,
            "doc_key": i.doc_key,
            "kind": i.kind,
            "sha256": i.sha256,
            "size": i.size,
            "since": i.since.isoformat(),
            "href": f"/v1/documents/{i.document_id}",
            "ack": f"/v1/documents/{i.document_id}/ack",
        }
        for i in items
    ]


def _not_found(document_id: str) -> NotFound:
    return NotFound(f"no document {document_id}")


def document_for(svc: Services, document_id: str, *, caller: str) -> StoredDocument:
    """A stored document, if the calling agency sent it or is its recipient."""
    with svc.store.unit_of_work() as uow:
        doc = uow.documents.get(document_id)
    if doc is None or caller not in (doc.sender, doc.recipient):
        raise _not_found(document_id)
    return doc


@dataclass(frozen=True)
class Acknowledged:
    document_id: str
    delivered_at: str
    duplicate: bool
    signed_receipt: bool


def acknowledge(
    svc: Services, document_id: str, *, caller: str, receipt: bytes = b""
) -> Acknowledged:
    """The agency took the document. Idempotent: a repeated ack answers the same.

    ``receipt``: optionally the agency's signed receipt for the exact bytes (kept as evidence).

    Raises:
        NotFound: not a document in this agency's inbox.
        ReceiptRejected(RECEIPT_MISMATCH, 422): a receipt for other bytes or badly signed;
            nothing is recorded and the document stays in the inbox.
    """
    with svc.store.unit_of_work() as uow:
        item = uow.inbox.for_document(document_id, caller)
        doc = uow.documents.get(document_id)
        legacy = flagged_legacy(uow, caller)
    if item is None or doc is None:
        raise _not_found(document_id)
    if item.state == DeliveryState.DELIVERED.value:
        with svc.store.unit_of_work() as uow:
            delivery = uow.deliveries.get(item.delivery_id)
        at = delivery.delivered_at if delivery and delivery.delivered_at else item.since
        return Acknowledged(document_id, at.isoformat(), True, False)
    if item.state != DeliveryState.INBOX.value:
        raise _not_found(document_id)
    checked = (
        verify_agency_receipt(
            svc,
            receipt,
            organ_id=caller,
            doc_key=doc.doc_key,
            sha256=doc.sha256,
            legacy=legacy,
        )
        if receipt.strip()
        else None
    )
    at = svc.clock.now()
    with svc.store.unit_of_work() as uow:
        delivery = uow.deliveries.get(item.delivery_id, for_update=True)
        if delivery is None or delivery.state is not DeliveryState.INBOX:
            raise _not_found(document_id)  # acknowledged concurrently: the caller may retry
        evidence_id = (
            None
            if checked is None
            else keep_agency_receipt(
                svc,
                uow,
                checked,
                receipt,
                organ_id=caller,
                petition_id=doc.petition_id,
                case_id=delivery.case_id,
                at=at,
            )
        )
        uow.deliveries.update(
            delivery.delivery_id,
            at=at,
            state=DeliveryState.DELIVERED,
            delivered_at=at,
            last_error=None,
            evidence_document_id=evidence_id,
            evidence={
                "status": "ACK (pull)",
                "signed_receipt": checked is not None,
                "response_sha256": sha256_hex(receipt) if receipt.strip() else None,
            },
        )
        _start_clock(svc, uow, delivery.case_id, at)
        uow.audit.record(
            AuditAction.DELIVERY_ACKNOWLEDGED,
            actor=f"agency:{caller}",
            at=at,
            petition_id=doc.petition_id,
            case_id=delivery.case_id,
            document_id=document_id,
            organ_id=caller,
            sha256=doc.sha256,
            receipt_id=evidence_id,
        )
        uow.commit()
    return Acknowledged(document_id, at.isoformat(), False, checked is not None)
