"""Petitions and their cases (one case per agency handling the petition)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, func, insert, select, update

from gateway.domain.case import AWAITING_AGENCY, Case, CaseState
from gateway.domain.petition import (
    Category,
    Petition,
    Petitioner,
    PetitionerKind,
    PetitionQuery,
)
from gateway.store import tables as t
from gateway.store.base import _Repository


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

    def lock(self, petition_id: str) -> None:
        """Serialise decisions about one petition (e.g. two agencies returning it at once:
        the second to commit must see the first's return)."""
        query = select(t.petitions.c.petition_id).where(t.petitions.c.petition_id == petition_id)
        if self._postgres:
            query = query.with_for_update()
        self.c.execute(query)

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

    def search(self, q: PetitionQuery, *, now: datetime) -> tuple[list[PetitionRecord], int]:
        """One page of the petitions that match, newest first, and how many match."""
        p, c = t.petitions.c, t.cases.c
        where: list[Any] = []
        if q.petition_id:
            where.append(p.petition_id.startswith(q.petition_id, autoescape=True))
        for column, value in ((p.status, q.status), (p.category, q.category), (p.portal, q.portal)):
            if value:
                where.append(column == value)
        if q.since is not None:
            where.append(p.received_at >= q.since)
        if q.until is not None:
            where.append(p.received_at < q.until)
        if q.organ_id or q.overdue:  # one of its cases: at that agency, overdue (or both)
            cases = _overdue_cases() if q.overdue else select(c.case_id)
            if q.organ_id:
                cases = cases.where(c.organ_id == q.organ_id)
            where.append(cases.where(c.petition_id == p.petition_id).exists())
        if q.escalated:
            e = t.escalations.c
            where.append(select(e.petition_id).where(e.petition_id == p.petition_id).exists())
        total = self.c.execute(select(func.count()).select_from(t.petitions).where(*where))
        rows = self.c.execute(
            select(t.petitions)
            .where(*where)
            .order_by(p.received_at.desc(), p.petition_id)
            .offset(q.offset)
            .limit(q.limit)
        )
        return [_petition(r) for r in rows], int(total.scalar_one())

    def count_by_status(self) -> dict[str, int]:
        rows = self.c.execute(
            select(t.petitions.c.status, func.count()).group_by(t.petitions.c.status)
        )
        return {row[0]: int(row[1]) for row in rows}


def _overdue_cases() -> Select[Any]:
    """Cases awaiting their agency whose current period has an OVERDUE event (frozen by the
    scheduler when the period ended)."""
    c, d = t.cases.c, t.deadline_events.c
    return (
        select(c.case_id)
        .join(
            t.deadline_events,
            (d.case_id == c.case_id) & (d.due_at == c.due_at) & (d.kind == "overdue"),
        )
        .where(c.state.in_([s.value for s in AWAITING_AGENCY]))
    )


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
    def overdue_by_agency(self) -> dict[str, int]:
        """Per agency: cases overdue, as the scheduler recorded it."""
        c = t.cases.c
        rows = self.c.execute(
            select(c.organ_id, func.count())
            .where(c.case_id.in_(_overdue_cases()))
            .group_by(c.organ_id)
        )
        return {organ: int(n) for organ, n in rows}

    def deadline_summary(self, *, now: datetime, soon: datetime) -> dict[str, tuple[int, int]]:
        """Per agency: cases overdue (as the scheduler recorded), and due before ``soon``."""
        c = t.cases.c
        awaiting = [s.value for s in AWAITING_AGENCY]
        overdue = self.overdue_by_agency()
        due_soon: dict[str, int] = {
            organ: int(n)
            for organ, n in self.c.execute(
                select(c.organ_id, func.count())
                .where(c.state.in_(awaiting), c.due_at >= now, c.due_at < soon)
                .group_by(c.organ_id)
            )
        }
        return {
            organ: (overdue.get(organ, 0), due_soon.get(organ, 0))
            for organ in set(overdue) | set(due_soon)
        }

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
        return case_record(row) if row else None

    def by_transfer_key(self, doc_key: str, *, for_update: bool = False) -> CaseRecord | None:
        query = select(t.cases).where(t.cases.c.transfer_doc_key == doc_key)
        if for_update:
            query = query.with_for_update()
        row = self.c.execute(query).first()
        return case_record(row) if row else None

    def for_petition(self, petition_id: str) -> list[CaseRecord]:
        rows = self.c.execute(
            select(t.cases).where(t.cases.c.petition_id == petition_id).order_by(t.cases.c.case_id)
        )
        return [case_record(row) for row in rows]

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


def case_record(row: Any) -> CaseRecord:
    """A row of the cases table as a record (the lifecycle repositories select cases too)."""
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
