"""Thu hồi, cập nhật, thay thế: VPCP recalls, updates or replaces a transfer it sent.

VPCP sends the agency a signed edoc whose ``TraceHeaderList/Bussiness`` says what it is
(BussinessDocType 1 revoke, 2 update, 3 replace) and names the transfer it concerns. The agency
answers with status 15 (agrees) or 16 (refuses), ``ResponseFor`` that edoc. A revoke the agency
agrees to ends the case (``revoked``: the petition is back in VPCP's routing queue); an agreed
update or replace is recorded; a refusal changes nothing but is recorded.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from gateway.domain.audit import AuditAction
from gateway.domain.case import AWAITING_AGENCY, Outcome, revoke
from gateway.domain.delivery import Delivery, DeliveryState
from gateway.domain.documents import BusinessDocType, DocumentKind, StatusCode, sha256_hex
from gateway.errors import IllegalTransition, InputInvalid, NotFound
from gateway.service.routing import (
    NOTATION,
    _transfer_edoc,
    deliver_message,
    refresh_petition_status,
)
from gateway.service.services import Services
from gateway.store.base import new_id
from gateway.store.documents import StoredDocument
from gateway.store.petitions import CaseRecord
from gateway.store.uow import UnitOfWork
from gateway.transport.base import outbound_queue
from schemas import edxml, xml

ACTIONS = {
    "revoke": BusinessDocType.REVOKE,
    "update": BusinessDocType.UPDATE,
    "replace": BusinessDocType.REPLACE,
}
PENDING_ANSWER = AWAITING_AGENCY


def request_change(
    svc: Services, petition_id: str, organ_id: str, action: str, *, reason: str, actor: str
) -> str:
    """Send the agency a signed revoke/update/replace of its transfer. Returns the new
    document's DocumentId. Raises NotFound, InputInvalid, IllegalTransition (nothing sent)."""
    doc_type = ACTIONS.get(action)
    if doc_type is None:
        raise InputInvalid(f"action must be one of: {', '.join(ACTIONS)}")
    if not reason.strip():
        raise InputInvalid("say why (reason)")
    at = svc.clock.now()
    with svc.store.unit_of_work() as uow:
        record = uow.petitions.get(petition_id)
        if record is None:
            raise NotFound(f"no petition {petition_id}")
        cases = [c for c in uow.cases.for_petition(petition_id) if c.case.organ_id == organ_id]
        live = [c for c in cases if c.case.state in PENDING_ANSWER]
        if not live:
            states = ", ".join(c.case.state.value for c in cases) or "never routed there"
            raise IllegalTransition(
                f"petition {petition_id} has no open case with {organ_id} to {action} ({states})"
            )
        case = live[-1]
        agency = uow.agencies.get(organ_id)
        assert agency is not None and case.transfer_doc_key is not None
        local = at.astimezone(svc.zone)
        doc_key = (
            f"{svc.organ_id},{local:%Y/%m/%d},{case.case.case_id}-"
            f"{new_id()[:8]}/{NOTATION}-{action[:2].upper()}"
        )
        base = _transfer_edoc(
            svc,
            record.petition,
            agency,
            doc_key,
            case.case.case_id,
            local.replace(tzinfo=None, microsecond=0),
            case.due_date or local.date(),
        )
        edoc = replace(
            base,
            subject=f"{'Thu hồi' if action == 'revoke' else 'Cập nhật'}: {base.subject}"[:2000],
            business=edxml.Business(
                doc_type, reason=reason.strip(), document_id=case.transfer_doc_key
            ),
            attachments=() if doc_type == BusinessDocType.REVOKE else base.attachments,
        )
        root = edxml.encode_edoc(edoc)
        body = svc.signer.sign(root, parent=edxml.header_of(root))
        document_id = new_id()
        uow.documents.add(
            StoredDocument(
                document_id=document_id,
                direction="out",
                kind=DocumentKind.EDOC.value,
                doc_key=doc_key,
                sender=svc.organ_id,
                recipient=organ_id,
                sha256=sha256_hex(body),
                body=body,
                created_at=at,
                petition_id=petition_id,
                case_id=case.case.case_id,
                signer=svc.organ_id,
                signature_algorithm=svc.signer.signature_method.value,
            )
        )
        delivery = Delivery(
            new_id(), case.case.case_id, document_id, organ_id, DeliveryState.QUEUED, attempts=0
        )
        uow.deliveries.add(delivery, at=at)
        uow.outbox.add(
            outbound_queue(organ_id),
            deliver_message(delivery.delivery_id, petition_id, at=at),
            at=at,
        )
        uow.audit.record(
            AuditAction.CASE_CHANGE_REQUESTED,
            actor=actor,
            at=at,
            petition_id=petition_id,
            case_id=case.case.case_id,
            document_id=document_id,
            organ_id=organ_id,
            change=action,
            reason=reason.strip(),
            doc_key=doc_key,
            transfer=case.transfer_doc_key,
        )
        uow.commit()
    return doc_key


def case_for_request(svc: Services, uow: UnitOfWork, doc_key: str) -> CaseRecord | None:
    """The case a revoke/update/replace edoc we sent belongs to (agencies answer it, 15/16)."""
    request = uow.documents.find("out", svc.organ_id, doc_key)
    if request is None or request.kind != DocumentKind.EDOC.value or request.case_id is None:
        return None
    return uow.cases.get(request.case_id, for_update=True)


def answer_change(
    svc: Services, uow: UnitOfWork, record: CaseRecord, package: edxml.StatusPackage, at: datetime
) -> Outcome | None:
    """Apply a 15/16 that answers one of our change requests (None: it answers nothing of
    ours, so it is an ordinary status)."""
    request = uow.documents.find("out", svc.organ_id, package.response_for.document_id)
    if (
        request is None
        or request.kind != DocumentKind.EDOC.value
        or package.status_code not in (StatusCode.CHANGE_AGREED, StatusCode.CHANGE_REFUSED)
    ):
        return None
    sent = edxml.decode(xml.parse(request.body))
    assert isinstance(sent, edxml.Edoc) and sent.business is not None
    action = sent.business.doc_type.name.lower()
    agreed = package.status_code == StatusCode.CHANGE_AGREED
    uow.audit.record(
        AuditAction.CASE_CHANGE_AGREED if agreed else AuditAction.CASE_CHANGE_REFUSED,
        actor=f"agency:{record.case.organ_id}",
        at=at,
        petition_id=record.case.petition_id,
        case_id=record.case.case_id,
        document_id=request.document_id,
        organ_id=record.case.organ_id,
        change=action,
        description=package.description,
    )
    if agreed and sent.business.doc_type == BusinessDocType.REVOKE:
        outcome = revoke(record.case, at=at)
        uow.cases.save(outcome.case)
        refresh_petition_status(uow, record.case.petition_id, at=at)
        return outcome
    verdict = "agreed to" if agreed else "refused"
    return Outcome(record.case, changed=False, note=f"the agency {verdict} the {action}")
