"""Read models for the API and the CLI. Public views never carry the petitioner's personal data."""

from __future__ import annotations

import time
from typing import Any

from gateway.domain.access import Role, User
from gateway.domain.escalation import Escalation
from gateway.domain.petition import PetitionQuery
from gateway.errors import NotFound
from gateway.service.lifecycle_views import filtered_ids, lifecycle_view
from gateway.service.services import Services
from gateway.store.documents import StoredDocument
from gateway.store.petitions import CaseRecord, PetitionRecord
from gateway.store.uow import UnitOfWork
from schemas import edxml, xml


def petition_view(svc: Services, petition_id: str) -> dict[str, Any]:
    with svc.store.unit_of_work() as uow:
        record = uow.petitions.get(petition_id)
        if record is None:
            raise NotFound(f"no petition {petition_id}")
        return _view(svc, uow, record)


def petition_list(
    svc: Services,
    *,
    status: str | None = None,
    limit: int = 100,
    escalated: bool = False,
    overdue: bool = False,
) -> list[dict[str, Any]]:
    """Newest first; ``escalated`` / ``overdue`` keep only petitions that are."""
    with svc.store.unit_of_work() as uow:
        if not (escalated or overdue):
            return [_summary(r) for r in uow.petitions.recent(status=status, limit=limit)]
        ids = filtered_ids(uow, escalated=escalated, overdue=overdue)
        records = [
            r
            for r in (uow.petitions.get(i) for i in ids)
            if r is not None and (status is None or r.status == status)
        ]
        records.sort(key=lambda r: r.petition.received_at, reverse=True)
        return [_summary(r) for r in records[:limit]]


def document(svc: Services, document_id: str) -> StoredDocument:
    with svc.store.unit_of_work() as uow:
        doc = uow.documents.get(document_id)
    if doc is None:
        raise NotFound(f"no document {document_id}")
    return doc


def progress(svc: Services) -> dict[str, dict[str, int]]:
    with svc.store.unit_of_work() as uow:
        return {
            "petitions": uow.petitions.count_by_status(),
            "deliveries": uow.deliveries.count_by_state(),
            "outbox_pending": {"rows": uow.outbox.pending_count()},
        }


def _summary(record: PetitionRecord) -> dict[str, Any]:
    p = record.petition
    return {
        "id": p.petition_id,
        "status": record.status,
        "category": p.category.value,
        "title": p.title,
        "portal": p.portal,
        "received_at": p.received_at.isoformat(),
        "updated_at": record.updated_at.isoformat(),
    }


def _view(svc: Services, uow: UnitOfWork, record: PetitionRecord) -> dict[str, Any]:
    view = _summary(record)
    cases = uow.cases.for_petition(record.petition.petition_id)
    view["cases"] = [_case_view(uow, c) for c in cases]
    view.update(lifecycle_view(svc, uow, record, view["cases"]))
    return view


def _case_view(uow: UnitOfWork, record: CaseRecord) -> dict[str, Any]:
    case = record.case
    deliveries = uow.deliveries.for_case(case.case_id)
    return {
        "case_id": case.case_id,
        "agency": case.organ_id,
        "state": case.state.value,
        "state_changed_at": case.state_changed_at.isoformat(),
        "transfer_document": record.transfer_doc_key,
        "reply_document_id": record.reply_document_id,
        "due_date": record.due_date.isoformat() if record.due_date else None,
        "calendar_version": record.calendar_version,
        "deliveries": [
            {
                "delivery_id": d.delivery_id,
                "state": d.state.value,
                "attempts": d.attempts,
                "last_error": d.last_error,
                "failure_code": d.failure_code,
            }
            for d in deliveries
        ],
    }


def petition_search(svc: Services, query: PetitionQuery) -> dict[str, Any]:
    """One page of matching petitions (newest first) and how many match."""
    with svc.store.unit_of_work() as uow:
        records, total = uow.petitions.search(query, now=svc.clock.now())
    return {"petitions": [_summary(r) for r in records], "total": total}


def petition_record(svc: Services, petition_id: str) -> PetitionRecord:
    with svc.store.unit_of_work() as uow:
        record = uow.petitions.get(petition_id)
    if record is None:
        raise NotFound(f"no petition {petition_id}")
    return record


def petition_documents(svc: Services, petition_id: str) -> list[dict[str, Any]]:
    """The petition's stored documents, oldest first, without their bytes."""
    with svc.store.unit_of_work() as uow:
        documents = uow.documents.for_petition(petition_id)
    return [
        {
            "id": d.document_id,
            "direction": d.direction,
            "kind": d.kind,
            "sender": d.sender,
            "recipient": d.recipient,
            "sha256": d.sha256,
            "size": len(d.body),
            "signer": d.signer,
            "at": d.created_at.isoformat(),
        }
        for d in sorted(documents, key=lambda d: d.created_at)
    ]


def reply_texts(svc: Services, petition_id: str) -> list[str]:
    """The text of each agency reply the petition has received."""
    with svc.store.unit_of_work() as uow:
        ids = [c.reply_document_id for c in uow.cases.for_petition(petition_id)]
        stored = [uow.documents.get(i) for i in ids if i]
    texts = [edoc_content(doc.body) for doc in stored if doc is not None]
    return [text for text in texts if text is not None]


def edoc_content(body: bytes) -> str | None:
    """The Content of a stored edoc (an agency's reply, our transfer); None for a status
    package."""
    document = edxml.decode(xml.parse(body))
    return document.content if isinstance(document, edxml.Edoc) else None


def escalation_queue(svc: Services) -> list[tuple[Escalation, str]]:
    with svc.store.unit_of_work() as uow:
        return uow.escalations.queue()


def expert_accounts(svc: Services) -> list[User]:
    """The expert accounts an operator may invite (names only, no secrets)."""
    with svc.store.unit_of_work() as uow:
        return [u for u in uow.accounts.all() if u.role is Role.EXPERT]


class AgencyNames:
    """Agency names for pages, by OrganId: read again when an unknown id is asked for, at most
    every ``refresh_seconds`` (so an id that is no agency's costs no query per row), or at once
    after :meth:`forget` (an agency added or renamed here)."""

    def __init__(self, svc: Services, *, refresh_seconds: float = 30.0) -> None:
        self.svc = svc
        self.refresh_seconds = refresh_seconds
        self.names: dict[str, str] = {}
        self.read_at = float("-inf")

    def get(self, organ_id: str) -> str:
        now = time.monotonic()
        if organ_id not in self.names and now - self.read_at >= self.refresh_seconds:
            with self.svc.store.unit_of_work() as uow:
                self.names = {a.organ_id: a.name for a in uow.agencies.all()}
            self.read_at = now
        return self.names.get(organ_id, organ_id)

    def forget(self) -> None:
        self.read_at = float("-inf")
