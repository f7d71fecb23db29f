"""Biên nhận từ chối: what a refused document gets — a signed receipt and an audit event, both
naming the same stable reason code as the error itself.

The receipt names the SHA-256 of the exact bytes received, the time, the receiver, the outcome
``rejected`` and the code; its ``Sender``/``DocumentId`` are what the document *claimed* (or
``unknown`` when it could not be read), since a refused document proves nothing about its sender.
Nothing else is stored: the refused bytes and the receipt are not kept as documents, so a flood of
hostile input adds one audit row each and changes no petition, case, delivery or document. The
audit event keeps the code, digest, size and receipt id — never the reason text, which may quote
the document.
"""

from __future__ import annotations

import re

from lxml import etree

from gateway.domain.audit import AuditAction
from gateway.domain.documents import Receipt, ReceiptOutcome, sha256_hex
from gateway.errors import Rejected
from gateway.service.services import Services
from gateway.service.verification import claimed_sender
from gateway.store.base import new_id
from schemas import edxml
from schemas.receipt import encode_receipt

UNKNOWN = "unknown"
_ORGAN = re.compile(r"\A\S{1,64}\Z")
_DOCUMENT_ID = re.compile(r"\A[^\s<>&]{1,255}\Z")
_DOCUMENT_ID_PATH = (
    f"./{{{edxml.NS}}}edXMLEnvelope/{{{edxml.NS}}}edXMLHeader/"
    f"{{{edxml.NS}}}MessageHeader/{{{edxml.NS}}}DocumentId"
)
_RESPONSE_FOR_PATH = (
    f"./{{{edxml.NS}}}edXMLEnvelope/{{{edxml.NS}}}edXMLHeader/"
    f"{{{edxml.NS}}}MessageHeader/{{{edxml.NS}}}ResponseFor/"
    f"{{{edxml.NS}}}DocumentId"
)


def reject(svc: Services, body: bytes, error: Rejected, root: etree._Element | None) -> bytes:
    """Sign a rejection receipt for ``body``, record ``document.rejected``; return the receipt."""
    at = svc.clock.now()
    digest = sha256_hex(body)
    sender = _claimed(claimed_sender(root) if root is not None else None, _ORGAN)
    document_id = _claimed(_claimed_document_id(root), _DOCUMENT_ID)
    receipt = Receipt(
        receipt_id=new_id(),
        document_id=document_id,
        sender=sender,
        receiver=svc.organ_id,
        digest_sha256=digest,
        received_at=at,
        outcome=ReceiptOutcome.REJECTED,
        reason_code=error.code.value,
        reason=error.message[:2000],
    )
    signed = svc.signer.sign(encode_receipt(receipt))
    with svc.store.unit_of_work() as uow:
        uow.audit.record(
            AuditAction.DOCUMENT_REJECTED,
            actor="gateway",
            at=at,
            sha256=digest,
            code=error.code.value,
            size=len(body),
            receipt_id=receipt.receipt_id,
            claimed_sender=sender,
            claimed_document_id=document_id,
        )
        uow.commit()
    return signed


def _claimed_document_id(root: etree._Element | None) -> str | None:
    if root is None:
        return None
    found: str | None = root.findtext(_DOCUMENT_ID_PATH) or root.findtext(_RESPONSE_FOR_PATH)
    return found


def _claimed(value: str | None, shape: re.Pattern[str]) -> str:
    value = (value or "").strip()
    return value if shape.match(value) else UNKNOWN
