"""Repositories: the only SQL the use cases run, each returning domain objects or small records."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from gateway.domain.agency import Agency
from gateway.domain.case import Case, CaseState
from gateway.domain.delivery import Delivery, DeliveryState
from gateway.domain.petition import Category, Petition, Petitioner, PetitionerKind
from gateway.store import tables as t


def new_id() -> str:
    return str(uuid.uuid4())


class _Repository:
    def __init__(self, connection: Connection) -> None:
        self.c = connection

    @property
    def _postgres(self) -> bool:
        return self.c.dialect.name == "postgresql"


# -- agencies and adapters ---------------------------------------------------------------------


class AgencyRepository(_Repository):
    def add(self, agency: Agency, *, at: datetime) -> None:
        self.c.execute(
            insert(t.agencies).values(
                organ_id=agency.organ_id,
                name=agency.name,
                legacy_sha1=agency.legacy_sha1,
                created_at=at,
            )
        )

    def get(self, organ_id: str) -> Agency | None:
        row = self.c.execute(select(t.agencies).where(t.agencies.c.organ_id == organ_id)).first()
        return _agency(row) if row else None

    def set_legacy_sha1(self, organ_id: str, legacy_sha1: bool) -> None:
        self.c.execute(
            update(t.agencies)
            .where(t.agencies.c.organ_id == organ_id)
            .values(legacy_sha1=legacy_sha1)
        )

    def all(self) -> list[Agency]:
        rows = self.c.execute(select(t.agencies).order_by(t.agencies.c.organ_id))
        return [_agency(row) for row in rows]


def _agency(row: Any) -> Agency:
    return Agency(row.organ_id, row.name, row.legacy_sha1, row.created_at)


@dataclass(frozen=True)
class AdapterRecord:
    """A configured adapter instance: data, as opposed to the kind (code) that runs it."""

    adapter_id: int
    organ_id: str
    kind: str
    config: dict[str, Any]
    enabled: bool
    updated_at: datetime


class AdapterRepository(_Repository):
    def add(
        self, organ_id: str, kind: str, config: dict[str, Any], *, enabled: bool, at: datetime
    ) -> int:
        result = self.c.execute(
            insert(t.adapters)
            .values(
                organ_id=organ_id,
                kind=kind,
                config=config,
                enabled=enabled,
                created_at=at,
                updated_at=at,
            )
            .returning(t.adapters.c.adapter_id)
        )
        adapter_id = int(result.scalar_one())
        self.c.execute(
            insert(t.adapter_circuits).values(  # its circuit breaker starts closed
                adapter_id=adapter_id, state="closed", failures=0, updated_at=at
            )
        )
        return adapter_id

    def update_config(self, adapter_id: int, config: dict[str, Any], *, at: datetime) -> None:
        self.c.execute(
            update(t.adapters)
            .where(t.adapters.c.adapter_id == adapter_id)
            .values(config=config, updated_at=at)
        )

    def get(self, adapter_id: int) -> AdapterRecord | None:
        row = self.c.execute(
            select(t.adapters).where(t.adapters.c.adapter_id == adapter_id)
        ).first()
        return _adapter(row) if row else None

    def for_organ(self, organ_id: str) -> list[AdapterRecord]:
        rows = self.c.execute(
            select(t.adapters)
            .where(t.adapters.c.organ_id == organ_id)
            .order_by(t.adapters.c.adapter_id)
        )
        return [_adapter(row) for row in rows]

    def set_enabled(self, adapter_id: int, enabled: bool, *, at: datetime) -> None:
        self.c.execute(
            update(t.adapters)
            .where(t.adapters.c.adapter_id == adapter_id)
            .values(enabled=enabled, updated_at=at)
        )

    def remove(self, adapter_id: int) -> None:
        self.c.execute(delete(t.adapters).where(t.adapters.c.adapter_id == adapter_id))

    def enabled_for(self, organ_id: str) -> AdapterRecord | None:
        row = self.c.execute(
            select(t.adapters)
            .where(t.adapters.c.organ_id == organ_id, t.adapters.c.enabled.is_(True))
            .order_by(t.adapters.c.adapter_id.desc())
            .limit(1)
        ).first()
        return _adapter(row) if row else None

    def all(self) -> list[AdapterRecord]:
        rows = self.c.execute(select(t.adapters).order_by(t.adapters.c.adapter_id))
        return [_adapter(row) for row in rows]

    def organs_with_enabled_adapters(self) -> list[str]:
        rows = self.c.execute(
            select(t.adapters.c.organ_id).distinct().where(t.adapters.c.enabled.is_(True))
        )
        return sorted(row.organ_id for row in rows)


def _adapter(row: Any) -> AdapterRecord:
    return AdapterRecord(
        row.adapter_id, row.organ_id, row.kind, row.config, row.enabled, row.updated_at
    )


# -- petitions and cases -----------------------------------------------------------------------


@dataclass(frozen=True)
class PetitionRecord:
    petition: Petition
    status: str
    updated_at: datetime


class PetitionRepository(_Repository):
    def add(self, petition: Petition, *, status: str) -> None:
        p = petition.petitioner
        self.c.execute(
            insert(t.petitions).values(
                petition_id=petition.petition_id,
                client_ref=petition.client_ref,
                category=petition.category.value,
                title=petition.title,
                content=petition.content,
                petitioner={
                    "kind": p.kind.value,
                    "name": p.name,
                    "id_number": p.id_number,
                    "phone": p.phone,
                    "email": p.email,
                    "address": p.address,
                },
                portal=petition.portal,
                received_at=petition.received_at,
                status=status,
                updated_at=petition.received_at,
            )
        )

    def get(self, petition_id: str) -> PetitionRecord | None:
        row = self.c.execute(
            select(t.petitions).where(t.petitions.c.petition_id == petition_id)
        ).first()
        return _petition(row) if row else None

    def id_for_client_ref(self, client_ref: str) -> str | None:
        return self.c.execute(
            select(t.petitions.c.petition_id).where(t.petitions.c.client_ref == client_ref)
        ).scalar()

    def set_status(self, petition_id: str, status: str, *, at: datetime) -> None:
        self.c.execute(
            update(t.petitions)
            .where(t.petitions.c.petition_id == petition_id)
            .values(status=status, updated_at=at)
        )

    def recent(self, *, status: str | None = None, limit: int = 100) -> list[PetitionRecord]:
        query = select(t.petitions).order_by(t.petitions.c.received_at.desc()).limit(limit)
        if status:
            query = query.where(t.petitions.c.status == status)
        return [_petition(row) for row in self.c.execute(query)]

    def count_by_status(self) -> dict[str, int]:
        rows = self.c.execute(
            select(t.petitions.c.status, func.count()).group_by(t.petitions.c.status)
        )
        return {row[0]: int(row[1]) for row in rows}


def _petition(row: Any) -> PetitionRecord:
    data = row.petitioner  # the JSON column decodes itself on both backends
    petitioner = Petitioner(
        PetitionerKind(data["kind"]),
        data["name"],
        data.get("id_number", ""),
        data.get("phone", ""),
        data.get("email", ""),
        data.get("address", ""),
    )
    petition = Petition(
        row.petition_id,
        Category(row.category),
        row.title,
        row.content,
        petitioner,
        row.received_at,
        row.portal,
        row.client_ref,
    )
    return PetitionRecord(petition, row.status, row.updated_at)


@dataclass(frozen=True)
class CaseRecord:
    case: Case
    transfer_doc_key: str | None
    reply_document_id: str | None
    due_date: date | None
    due_at: datetime | None
    calendar_version: str | None
    clock_start_at: datetime | None


class CaseRepository(_Repository):
    def add(self, petition_id: str, organ_id: str, *, at: datetime) -> int:
        result = self.c.execute(
            insert(t.cases)
            .values(
                petition_id=petition_id,
                organ_id=organ_id,
                state=CaseState.TRANSFERRED.value,
                state_changed_at=at,
                created_at=at,
            )
            .returning(t.cases.c.case_id)
        )
        return int(result.scalar_one())

    def get(self, case_id: int, *, for_update: bool = False) -> CaseRecord | None:
        query = select(t.cases).where(t.cases.c.case_id == case_id)
        if for_update:
            query = query.with_for_update()
        row = self.c.execute(query).first()
        return _case(row) if row else None

    def by_transfer_key(self, doc_key: str, *, for_update: bool = False) -> CaseRecord | None:
        query = select(t.cases).where(t.cases.c.transfer_doc_key == doc_key)
        if for_update:
            query = query.with_for_update()
        row = self.c.execute(query).first()
        return _case(row) if row else None

    def for_petition(self, petition_id: str) -> list[CaseRecord]:
        rows = self.c.execute(
            select(t.cases).where(t.cases.c.petition_id == petition_id).order_by(t.cases.c.case_id)
        )
        return [_case(row) for row in rows]

    def save(self, case: Case) -> None:
        self.c.execute(
            update(t.cases)
            .where(t.cases.c.case_id == case.case_id)
            .values(
                state=case.state.value,
                state_changed_at=case.state_changed_at,
                last_status_at=case.last_status_at,
            )
        )

    def set_transfer_key(self, case_id: int, doc_key: str) -> None:
        self._set(case_id, transfer_doc_key=doc_key)

    def set_reply(self, case_id: int, document_id: str | None) -> None:
        self._set(case_id, reply_document_id=document_id)

    def set_deadline(
        self,
        case_id: int,
        *,
        clock_start_at: datetime,
        due_date: date,
        due_at: datetime,
        calendar_version: str,
    ) -> None:
        self._set(
            case_id,
            clock_start_at=clock_start_at,
            due_date=due_date,
            due_at=due_at,
            calendar_version=calendar_version,
        )

    def _set(self, case_id: int, **values: Any) -> None:
        self.c.execute(update(t.cases).where(t.cases.c.case_id == case_id).values(**values))


def _case(row: Any) -> CaseRecord:
    case = Case(
        row.case_id,
        row.petition_id,
        row.organ_id,
        CaseState(row.state),
        row.state_changed_at,
        row.last_status_at,
    )
    return CaseRecord(
        case,
        row.transfer_doc_key,
        row.reply_document_id,
        row.due_date,
        row.due_at,
        row.calendar_version,
        row.clock_start_at,
    )


# -- documents, deliveries ---------------------------------------------------------------------


@dataclass(frozen=True)
class StoredDocument:
    """A document as the exact bytes sent or received, with their SHA-256."""

    document_id: str
    direction: str  # "in" | "out"
    kind: str
    doc_key: str
    sender: str
    recipient: str
    sha256: str
    body: bytes
    created_at: datetime
    petition_id: str | None = None
    case_id: int | None = None
    signer: str | None = None
    signature_algorithm: str | None = None
    receipt_id: str | None = None


class DocumentRepository(_Repository):
    def add(self, doc: StoredDocument) -> None:
        self.c.execute(
            insert(t.documents).values(
                document_id=doc.document_id,
                direction=doc.direction,
                kind=doc.kind,
                doc_key=doc.doc_key,
                sender=doc.sender,
                recipient=doc.recipient,
                petition_id=doc.petition_id,
                case_id=doc.case_id,
                sha256=doc.sha256,
                size=len(doc.body),
                body=doc.body,
                signer=doc.signer,
                signature_algorithm=doc.signature_algorithm,
                receipt_id=doc.receipt_id,
                created_at=doc.created_at,
            )
        )

    def get(self, document_id: str) -> StoredDocument | None:
        row = self.c.execute(
            select(t.documents).where(t.documents.c.document_id == document_id)
        ).first()
        return _document(row) if row else None

    def find(self, direction: str, sender: str, doc_key: str) -> StoredDocument | None:
        row = self.c.execute(
            select(t.documents).where(
                t.documents.c.direction == direction,
                t.documents.c.sender == sender,
                t.documents.c.doc_key == doc_key,
            )
        ).first()
        return _document(row) if row else None

    def find_by_digest(self, direction: str, sha256: str) -> StoredDocument | None:
        row = self.c.execute(
            select(t.documents).where(
                t.documents.c.direction == direction, t.documents.c.sha256 == sha256
            )
        ).first()
        return _document(row) if row else None

    def for_petition(self, petition_id: str) -> list[StoredDocument]:
        rows = self.c.execute(
            select(t.documents)
            .where(t.documents.c.petition_id == petition_id)
            .order_by(t.documents.c.created_at)
        )
        return [_document(row) for row in rows]

    def set_receipt(self, document_id: str, receipt_id: str) -> None:
        self.c.execute(
            update(t.documents)
            .where(t.documents.c.document_id == document_id)
            .values(receipt_id=receipt_id)
        )


def _document(row: Any) -> StoredDocument:
    return StoredDocument(
        row.document_id,
        row.direction,
        row.kind,
        row.doc_key,
        row.sender,
        row.recipient,
        row.sha256,
        bytes(row.body),
        row.created_at,
        row.petition_id,
        row.case_id,
        row.signer,
        row.signature_algorithm,
        row.receipt_id,
    )


class DeliveryRepository(_Repository):
    def add(self, delivery: Delivery, *, at: datetime) -> None:
        self.c.execute(
            insert(t.deliveries).values(
                delivery_id=delivery.delivery_id,
                case_id=delivery.case_id,
                document_id=delivery.document_id,
                organ_id=delivery.organ_id,
                state=delivery.state.value,
                attempts=delivery.attempts,
                created_at=at,
                updated_at=at,
            )
        )

    def get(self, delivery_id: str, *, for_update: bool = False) -> Delivery | None:
        query = select(t.deliveries).where(t.deliveries.c.delivery_id == delivery_id)
        if for_update:
            query = query.with_for_update()
        row = self.c.execute(query).first()
        return _delivery(row) if row else None

    def for_case(self, case_id: int) -> list[Delivery]:
        rows = self.c.execute(
            select(t.deliveries)
            .where(t.deliveries.c.case_id == case_id)
            .order_by(t.deliveries.c.created_at)
        )
        return [_delivery(row) for row in rows]

    def update(self, delivery_id: str, *, at: datetime, **values: Any) -> None:
        if isinstance(values.get("state"), DeliveryState):
            values["state"] = values["state"].value
        self.c.execute(
            update(t.deliveries)
            .where(t.deliveries.c.delivery_id == delivery_id)
            .values(updated_at=at, **values)
        )

    def count_by_state(self) -> dict[str, int]:
        rows = self.c.execute(
            select(t.deliveries.c.state, func.count()).group_by(t.deliveries.c.state)
        )
        return {row[0]: int(row[1]) for row in rows}


def _delivery(row: Any) -> Delivery:
    return Delivery(
        row.delivery_id,
        row.case_id,
        row.document_id,
        row.organ_id,
        DeliveryState(row.state),
        row.attempts,
        row.last_error,
        row.failure_code,
        row.delivered_at,
    )


# -- outbox, processed messages -----------------------------------------------------------


@dataclass(frozen=True)
class OutboxMessage:
    id: int
    message_id: str
    queue: str
    body: bytes


class OutboxRepository(_Repository):
    def add(self, queue: str, body: bytes, *, at: datetime, message_id: str | None = None) -> str:
        message_id = message_id or new_id()
        self.c.execute(
            insert(t.outbox).values(message_id=message_id, queue=queue, body=body, created_at=at)
        )
        return message_id

    def claim_unpublished(self, limit: int) -> list[OutboxMessage]:
        """Oldest unpublished rows, locked so that two relays never take the same ones."""
        query = (
            select(t.outbox.c.id, t.outbox.c.message_id, t.outbox.c.queue, t.outbox.c.body)
            .where(t.outbox.c.published_at.is_(None))
            .order_by(t.outbox.c.id)
            .limit(limit)
        )
        if self._postgres:
            query = query.with_for_update(skip_locked=True)
        return [
            OutboxMessage(row.id, row.message_id, row.queue, bytes(row.body))
            for row in self.c.execute(query)
        ]

    def mark_published(self, ids: Sequence[int], *, at: datetime) -> None:
        if ids:
            self.c.execute(update(t.outbox).where(t.outbox.c.id.in_(ids)).values(published_at=at))

    def pending_count(self) -> int:
        return int(
            self.c.execute(
                select(func.count()).select_from(t.outbox).where(t.outbox.c.published_at.is_(None))
            ).scalar_one()
        )


class ProcessedMessageRepository(_Repository):
    """Messages whose effect is committed: a redelivered one is acknowledged and skipped."""

    def seen(self, message_id: str) -> bool:
        return (
            self.c.execute(
                select(t.processed_messages.c.message_id).where(
                    t.processed_messages.c.message_id == message_id
                )
            ).first()
            is not None
        )

    def mark(self, message_id: str, handler: str, *, at: datetime) -> None:
        self.c.execute(
            insert(t.processed_messages).values(
                message_id=message_id, handler=handler, processed_at=at
            )
        )
