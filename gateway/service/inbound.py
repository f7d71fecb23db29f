"""Nhận: a document from an agency (status package or reply edoc) arrives at the gateway.

Order of checks, each with its own code, before anything is stored: hardened parse → signature
and certificate → schema decode of the *signed* content only → the certificate is bound to the
``From`` OrganId (:mod:`gateway.service.verification`) → the sender is a registered agency → the
document is addressed to us and refers to a case of that agency → every time it claims is
plausible (:mod:`gateway.domain.timestamps`: within the clock skew of the petition's receipt and
of our clock, else TIMESTAMP_INVALID) → a reply does not silently replace one already recorded
(a second reply must say it updates or replaces it, else CONFLICT). A refusal gets a signed
rejection receipt and an audit event with the same code (:mod:`gateway.service.rejections`).
Then, in one transaction: the exact bytes, the case change, the audit events and a signed
receipt. The same (sender, document) again gets the same receipt back; the exact same bytes get
it before any verification (so also after the certificate has expired or been revoked).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from lxml import etree

from gateway.domain.audit import AuditAction
from gateway.domain.calendar import deadline_from
from gateway.domain.case import (
    Case,
    CaseState,
    Outcome,
    apply_reply,
    apply_status,
    withdraw_reply,
)
from gateway.domain.documents import BusinessDocType, DocumentKind, StatusCode, sha256_hex
from gateway.domain.timestamps import TimeWindow, instant
from gateway.errors import (
    Conflict,
    ErrorCode,
    IllegalTransition,
    NotFound,
    Rejected,
    SchemaRejected,
    StoreConflict,
)
from gateway.service.deadlines import clock_policy
from gateway.service.escalations import check_disagreement, record_return
from gateway.service.recall import answer_change, case_for_request
from gateway.service.receipts import issue_receipt
from gateway.service.rejections import reject
from gateway.service.routing import refresh_petition_status
from gateway.service.services import Services
from gateway.service.verification import parse_inbound, verify_inbound
from gateway.store.base import new_id
from gateway.store.documents import StoredDocument
from gateway.store.petitions import CaseRecord
from gateway.store.uow import UnitOfWork
from schemas import edxml
from signing import VerifiedDocument


@dataclass(frozen=True)
class Accepted:
    receipt: bytes
    document_id: str
    duplicate: bool
    note: str = ""
    petition_id: str = ""


def accept_document(svc: Services, body: bytes) -> Accepted:
    """Verify, store and apply one inbound edXML document; return the signed receipt.

    Raises:
        Rejected (any subclass): nothing was stored but a ``document.rejected`` audit event; the
            error's code says why, and ``error.receipt`` holds our signed rejection
            receipt naming the same code (:mod:`gateway.service.rejections`).
    """
    seen: list[etree._Element] = []
    try:
        return _accept(svc, body, seen)
    except Rejected as e:
        e.receipt = reject(svc, body, e, seen[0] if seen else None)
        raise


def _accept(svc: Services, body: bytes, seen: list[etree._Element]) -> Accepted:
    root = parse_inbound(svc, body)
    seen.append(root)
    replayed = _replay(svc, body)
    if replayed is not None:  # the exact bytes were verified and accepted before
        return replayed
    inbound = verify_inbound(svc, root)
    verified, package, sender = inbound.verified, inbound.package, inbound.sender
    key = edxml.document_key(package)
    at = inbound.at
    digest = sha256_hex(body)
    try:
        with svc.store.unit_of_work() as uow:
            duplicate = _existing_receipt(uow, sender, key)
            if duplicate is not None:
                return duplicate
            agency = uow.agencies.get(sender)
            if agency is None:
                raise NotFound(
                    f"{sender} is not a registered agency", code=ErrorCode.UNKNOWN_AGENCY
                )
            record, kind = _target_case(svc, uow, package, sender)
            not_before = _received_at(uow, record)
            _check_times(svc, package, not_before=not_before, now=at)
            document = StoredDocument(
                document_id=new_id(),
                direction="in",
                kind=kind.value,
                doc_key=key,
                sender=sender,
                recipient=svc.organ_id,
                sha256=digest,
                body=body,
                created_at=at,
                petition_id=record.case.petition_id,
                case_id=record.case.case_id,
                signer=verified.signer_organ_id,
                signature_algorithm=verified.signature_algorithm,
            )
            uow.documents.add(document)
            uow.audit.record(
                AuditAction.DOCUMENT_RECEIVED,
                actor=f"agency:{sender}",
                at=at,
                petition_id=document.petition_id,
                case_id=document.case_id,
                document_id=document.document_id,
                organ_id=sender,
                sha256=digest,
                kind=kind.value,
                doc_key=key,
                signature_algorithm=verified.signature_algorithm,
                digest_algorithm=verified.digest_algorithm,
                legacy_sha1=_is_sha1(verified),
            )
            outcome = _apply(svc, uow, package, record, document, at, not_before)
            receipt = issue_receipt(svc, uow, for_document=document, at=at)
            uow.commit()
    except StoreConflict:
        # the same document arrived twice at once: the other request stored it
        with svc.store.unit_of_work() as uow:
            duplicate = _existing_receipt(uow, sender, key)
        if duplicate is None:
            raise
        return duplicate
    return Accepted(
        receipt,
        document.document_id,
        duplicate=False,
        note=outcome.note,
        petition_id=document.petition_id or "",
    )


def _is_sha1(verified: VerifiedDocument) -> bool:
    return any(
        uri.lower().endswith("sha1")
        for uri in (verified.signature_algorithm, verified.digest_algorithm)
    )


def _replay(svc: Services, body: bytes) -> Accepted | None:
    """The original receipt for the exact bytes of a document accepted before — even if its
    certificate has expired or been revoked since: the receipt is for what was accepted then."""
    with svc.store.unit_of_work() as uow:
        existing = uow.documents.find_by_digest("in", sha256_hex(body))
        if existing is None or existing.receipt_id is None or existing.body != body:
            return None
        receipt = uow.documents.get(existing.receipt_id)
    if receipt is None:
        return None
    return Accepted(receipt.body, existing.document_id, duplicate=True, note="duplicate")


def _existing_receipt(uow: UnitOfWork, sender: str, key: str) -> Accepted | None:
    existing = uow.documents.find("in", sender, key)
    if existing is None or existing.receipt_id is None:
        return None
    receipt = uow.documents.get(existing.receipt_id)
    if receipt is None:
        return None
    return Accepted(receipt.body, existing.document_id, duplicate=True, note="duplicate")


def _target_case(
    svc: Services, uow: UnitOfWork, package: edxml.Edoc | edxml.StatusPackage, sender: str
) -> tuple[CaseRecord, DocumentKind]:
    refs: tuple[edxml.ResponseFor, ...]
    if isinstance(package, edxml.StatusPackage):
        if package.response_for.organ_id != svc.organ_id:
            raise Rejected(
                f"the status reports on a document of {package.response_for.organ_id}, "
                f"not of {svc.organ_id}",
                code=ErrorCode.WRONG_RECIPIENT,
            )
        refs, kind = (package.response_for,), DocumentKind.STATUS
    else:
        if svc.organ_id not in {to.organ_id for to in package.to}:
            addressees = ", ".join(o.organ_id for o in package.to)
            raise Rejected(
                f"the document is addressed to {addressees}, not to {svc.organ_id}",
                code=ErrorCode.WRONG_RECIPIENT,
            )
        refs, kind = package.response_for, DocumentKind.REPLY
        if not refs:
            raise Rejected(
                "a reply must name the transfer it answers (ResponseFor)",
                code=ErrorCode.UNKNOWN_DOCUMENT,
            )
        foreign = sorted({ref.organ_id for ref in refs if ref.organ_id != svc.organ_id})
        if foreign:
            raise Rejected(
                f"the reply answers a document of {', '.join(foreign)}, not of {svc.organ_id}",
                code=ErrorCode.WRONG_RECIPIENT,
            )
    for ref in refs:
        record = uow.cases.by_transfer_key(ref.document_id, for_update=True) or case_for_request(
            svc, uow, ref.document_id
        )
        if record is None:
            continue
        if record.case.organ_id != sender:
            raise NotFound(
                f"{ref.document_id} was not sent to {sender}", code=ErrorCode.NOT_YOUR_CASE
            )
        return record, kind
    raise NotFound(f"no transfer {refs[0].document_id} is known", code=ErrorCode.UNKNOWN_DOCUMENT)


def time_window(svc: Services) -> TimeWindow:
    """The times an agency may claim (``InboundPolicy.clock_skew_seconds``)."""
    return TimeWindow(timedelta(seconds=svc.inbound_policy.clock_skew_seconds))


def _received_at(uow: UnitOfWork, record: CaseRecord) -> datetime | None:
    petition = uow.petitions.get(record.case.petition_id)
    return None if petition is None else petition.petition.received_at


def _check_times(
    svc: Services,
    package: edxml.Edoc | edxml.StatusPackage,
    *,
    not_before: datetime | None,
    now: datetime,
) -> None:
    """Every time the agency claims must be plausible (:mod:`gateway.domain.timestamps`).

    Raises:
        SchemaRejected(TIMESTAMP_INVALID): a status Timestamp or a reply's PromulgationDate that
            cannot be, or lies outside the window around the petition's receipt and our clock.
    """
    window = time_window(svc)
    if isinstance(package, edxml.StatusPackage):
        field = "Timestamp"
        problem = window.problem(package.timestamp, zone=svc.zone, not_before=not_before, now=now)
    elif package.promulgation_date is not None:
        field = "PromulgationDate"
        problem = window.date_problem(
            package.promulgation_date, zone=svc.zone, not_before=not_before, now=now
        )
    else:
        return
    if problem is not None:
        raise SchemaRejected(f"{field}: {problem}", code=ErrorCode.TIMESTAMP_INVALID)


def _apply_edoc(
    uow: UnitOfWork, package: edxml.Edoc, record: CaseRecord, document: StoredDocument, at: datetime
) -> tuple[Outcome, dict[str, Any]]:
    """A reply edoc: new (0), or revoking (1), updating (2) or replacing (3) the earlier one."""
    case = record.case
    doc_type = package.business.doc_type if package.business else BusinessDocType.NEW
    detail: dict[str, Any] = {
        "reply": True,
        "business_doc_type": int(doc_type),
        "previous_reply_id": record.reply_document_id,
    }
    if doc_type == BusinessDocType.REVOKE:
        outcome = withdraw_reply(case, at=at)
        uow.cases.set_reply(case.case_id, None)
        return outcome, detail
    if (
        doc_type in (BusinessDocType.UPDATE, BusinessDocType.REPLACE)
        and record.reply_document_id is None
    ):
        raise IllegalTransition(
            f"case {case.case_id} has no reply to "
            f"{'update' if doc_type == BusinessDocType.UPDATE else 'replace'}",
            case_id=case.case_id,
            current=case.state.value,
        )
    if (
        doc_type == BusinessDocType.NEW
        and record.reply_document_id is not None
        and case.state == CaseState.REPLIED
    ):
        raise Conflict(
            f"case {case.case_id} already has a reply; a new reply must update (2) or replace (3) "
            "it (TraceHeaderList/Bussiness/BussinessDocType)",
            case_id=case.case_id,
        )
    outcome = apply_reply(case, at=at)
    uow.cases.set_reply(case.case_id, document.document_id)
    check_disagreement(uow, record, package, at=at)
    if record.reply_document_id is not None and doc_type != BusinessDocType.NEW:
        outcome = replace(outcome, note=f"reply {doc_type.name.lower()}d")
    return outcome, detail


def _trusted_order(
    svc: Services, case: Case, *, not_before: datetime | None, now: datetime
) -> Case:
    """The case, forgetting a stored latest-status time that is implausible now (e.g. 2099,
    accepted before timestamps were checked): one wrong clock must not freeze a case."""
    if case.last_status_at is None or time_window(svc).plausible(
        case.last_status_at, zone=svc.zone, not_before=not_before, now=now
    ):
        return case
    return replace(case, last_status_at=None)


def _apply(
    svc: Services,
    uow: UnitOfWork,
    package: edxml.Edoc | edxml.StatusPackage,
    record: CaseRecord,
    document: StoredDocument,
    at: datetime,
    not_before: datetime | None,
) -> Outcome:
    case = record.case
    if isinstance(package, edxml.StatusPackage):
        status_time = instant(package.timestamp, svc.zone)
        assert status_time is not None  # _check_times refused any other
        outcome = answer_change(svc, uow, record, package, at) or apply_status(
            _trusted_order(svc, case, not_before=not_before, now=at),
            package.status_code,
            status_time=status_time,
            at=at,
        )
        detail: dict[str, Any] = {"status_code": package.status_code.value}
    else:
        outcome, detail = _apply_edoc(uow, package, record, document, at)
    uow.cases.save(outcome.case)
    if (
        outcome.changed
        and isinstance(package, edxml.StatusPackage)
        and package.status_code == StatusCode.REJECTED
    ):
        record_return(uow, record, package.description, at=at)
    policy = clock_policy(svc)
    if outcome.changed and policy.restart_on_status:  # news from the agency: a new period
        deadline = deadline_from(at, svc.calendar, svc.zone, policy.period_days)
        uow.cases.set_deadline(
            case.case_id,
            clock_start_at=at,
            due_date=deadline.due_date,
            due_at=deadline.due_at,
            calendar_version=deadline.calendar_version,
        )
    if outcome.changed:
        refresh_petition_status(uow, case.petition_id, at=at)
    uow.audit.record(
        AuditAction.CASE_CHANGED if outcome.changed else AuditAction.CASE_UNCHANGED,
        actor=f"agency:{case.organ_id}",
        at=at,
        petition_id=case.petition_id,
        case_id=case.case_id,
        document_id=document.document_id,
        organ_id=case.organ_id,
        previous=case.state.value,
        state=outcome.case.state.value,
        note=outcome.note,
        **detail,
    )
    return outcome
