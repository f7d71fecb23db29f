"""Chuyển: VPCP transfers a petition to the competent agencies.

Each agency gets its own case, transfer document, delivery and deadline. The signed transfer
edoc, the delivery row, the outbox message and the audit events are written in one transaction.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime

from gateway.domain.agency import Agency
from gateway.domain.audit import AuditAction
from gateway.domain.calendar import deadline_from
from gateway.domain.case import RANK, CaseState
from gateway.domain.delivery import Delivery, DeliveryState
from gateway.domain.documents import BusinessDocType, DocumentKind, sha256_hex
from gateway.domain.petition import Petition
from gateway.domain.routing_rules import route_by_rules
from gateway.errors import Conflict, ErrorCode, NotFound
from gateway.routing_rules_source import rules_from_file
from gateway.service.escalations import note_reroute
from gateway.service.services import Services
from gateway.store.base import new_id
from gateway.store.documents import StoredDocument
from gateway.store.uow import UnitOfWork
from gateway.transport.base import outbound_queue
from schemas import edxml
from schemas.petition import encode_petition
from schemas.xml import tostring

NOTATION = "VPCP-PAKN"
PETITION_CONTENT_ID = "cid:pakn-petition"


def route_petition(
    svc: Services, petition_id: str, organ_ids: Sequence[str], *, actor: str
) -> list[int]:
    """Transfer an already received petition to ``organ_ids``. Returns the new case ids."""
    if not organ_ids:
        raise Conflict("name at least one agency to route to")
    at = svc.clock.now()
    with svc.store.unit_of_work() as uow:
        record = uow.petitions.get(petition_id)
        if record is None:
            raise NotFound(f"no petition {petition_id}")
        case_ids = route_in(svc, uow, record.petition, organ_ids, actor=actor, at=at)
        uow.commit()
    return case_ids


def route_in(
    svc: Services,
    uow: UnitOfWork,
    petition: Petition,
    organ_ids: Sequence[str],
    *,
    actor: str,
    at: datetime,
) -> list[int]:
    """Route inside the caller's unit of work."""
    open_cases = {
        c.case.organ_id
        for c in uow.cases.for_petition(petition.petition_id)
        if c.case.state not in (CaseState.RETURNED, CaseState.REVOKED)
    }
    case_ids = []
    for organ_id in organ_ids:
        agency = uow.agencies.get(organ_id)
        if agency is None:
            raise NotFound(f"unknown agency {organ_id}", code=ErrorCode.UNKNOWN_AGENCY)
        if organ_id in open_cases:
            raise Conflict(f"the petition is already with {organ_id}")
        case_ids.append(_transfer(svc, uow, petition, agency, actor=actor, at=at))
    note_reroute(uow, petition.petition_id, list(organ_ids), actor=actor, at=at)
    refresh_petition_status(uow, petition.petition_id, at=at)
    return case_ids


def route_by_configured_rules(
    svc: Services, uow: UnitOfWork, petition: Petition, *, at: datetime
) -> list[int]:
    """Route by the first matching rule of GATEWAY_ROUTING_RULES (none: stay with VPCP)."""
    rule = route_by_rules(rules_from_file(svc.routing_policy.rules_file), petition)
    if rule is None:
        return []
    uow.audit.record(
        AuditAction.PETITION_RULE_MATCHED,
        actor="gateway",
        at=at,
        petition_id=petition.petition_id,
        rule=rule.name,
        agencies=list(rule.agencies),
    )
    return route_in(svc, uow, petition, rule.agencies, actor=f"rule:{rule.name}"[:64], at=at)


def refresh_petition_status(uow: UnitOfWork, petition_id: str, *, at: datetime) -> None:
    states = [c.case.state for c in uow.cases.for_petition(petition_id)]
    uow.petitions.set_status(petition_id, petition_status(states), at=at)


def deliver_message(delivery_id: str, petition_id: str, *, at: datetime) -> bytes:
    """The worker's order to deliver. The petition's id rides along as the correlation id of
    the logs the worker writes while delivering it, and the routing time for its measurement of
    routing-to-receipt."""
    return json.dumps(
        {
            "type": "deliver",
            "delivery_id": delivery_id,
            "petition_id": petition_id,
            "routed_at": round(at.timestamp(), 3),
        }
    ).encode()


def _transfer(
    svc: Services, uow: UnitOfWork, petition: Petition, agency: Agency, *, actor: str, at: datetime
) -> int:
    case_id = uow.cases.add(petition.petition_id, agency.organ_id, at=at)
    local = at.astimezone(svc.zone)
    doc_key = f"{svc.organ_id},{local:%Y/%m/%d},{case_id}/{NOTATION}"
    indicative = deadline_from(at, svc.calendar, svc.zone)
    root = edxml.encode_edoc(
        _transfer_edoc(
            svc, petition, agency, doc_key, case_id, local.replace(tzinfo=None), indicative.due_date
        )
    )
    body = svc.signer.sign(root, parent=edxml.header_of(root))
    digest = sha256_hex(body)
    document_id = new_id()
    uow.documents.add(
        StoredDocument(
            document_id=document_id,
            direction="out",
            kind=DocumentKind.TRANSFER.value,
            doc_key=doc_key,
            sender=svc.organ_id,
            recipient=agency.organ_id,
            sha256=digest,
            body=body,
            created_at=at,
            petition_id=petition.petition_id,
            case_id=case_id,
            signer=svc.organ_id,
            signature_algorithm=svc.signer.signature_method.value,
        )
    )
    uow.cases.set_transfer_key(case_id, doc_key)
    delivery = Delivery(
        new_id(), case_id, document_id, agency.organ_id, DeliveryState.QUEUED, attempts=0
    )
    uow.deliveries.add(delivery, at=at)
    uow.outbox.add(
        outbound_queue(agency.organ_id),
        deliver_message(delivery.delivery_id, petition.petition_id, at=at),
        at=at,
    )
    uow.audit.record(
        AuditAction.PETITION_ROUTED,
        actor=actor,
        at=at,
        petition_id=petition.petition_id,
        case_id=case_id,
        organ_id=agency.organ_id,
    )
    uow.audit.record(
        AuditAction.DOCUMENT_SIGNED,
        actor="gateway",
        at=at,
        petition_id=petition.petition_id,
        case_id=case_id,
        document_id=document_id,
        organ_id=agency.organ_id,
        sha256=digest,
        doc_key=doc_key,
        kind=DocumentKind.TRANSFER.value,
    )
    uow.audit.record(
        AuditAction.DELIVERY_QUEUED,
        actor="gateway",
        at=at,
        petition_id=petition.petition_id,
        case_id=case_id,
        document_id=document_id,
        organ_id=agency.organ_id,
        delivery_id=delivery.delivery_id,
    )
    return case_id


def _transfer_edoc(
    svc: Services,
    petition: Petition,
    agency: Agency,
    doc_key: str,
    number: int,
    local_now: datetime,
    due: date,
) -> edxml.Edoc:
    payload = tostring(encode_petition(petition))
    return edxml.Edoc(
        from_=edxml.Organ(
            svc.organ_id,
            organ_name=svc.identity.organ_name,
            organization_in_charge=svc.identity.organ_name,
        ),
        to=(
            edxml.Organ(
                agency.organ_id, organ_name=agency.name, organization_in_charge=agency.name
            ),
        ),
        document_id=doc_key,
        code_number=str(number),
        code_notation=NOTATION,
        promulgation_place="Hà Nội",
        promulgation_date=local_now.date(),
        document_type=edxml.DocumentType(type=1, type_detail=0, type_name="Phiếu chuyển PAKN"),
        subject=f"Chuyển phản ánh, kiến nghị: {petition.title}"[:2000],
        content=petition.content,
        due_date=due,
        trace=(edxml.TraceHeader(svc.organ_id, local_now.replace(microsecond=0)),),
        business=edxml.Business(BusinessDocType.NEW, reason="Chuyển phản ánh, kiến nghị"),
        attachments=(
            edxml.Attachment(
                PETITION_CONTENT_ID,
                "pakn-petition.xml",
                "application/xml",
                payload,
                description="urn:vn:gov:vpcp:pakn:petition:1",
            ),
        ),
    )


def petition_status(states: Sequence[CaseState]) -> str:
    """The petition's overall status: its least advanced case that is still with an agency."""
    if not states:
        return "received"
    active = [s for s in states if s not in (CaseState.RETURNED, CaseState.REVOKED)]
    if not active:  # back in VPCP's routing queue
        return (CaseState.RETURNED if CaseState.RETURNED in states else CaseState.REVOKED).value
    return min(active, key=lambda s: RANK[s]).value
