"""Returns: an agency sending a case back as not its competence, until VPCP reroutes it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update

from gateway.store import tables as t
from gateway.store.base import _Repository
from gateway.store.petitions import CaseRecord


@dataclass(frozen=True)
class CaseReturn:
    case_id: int
    petition_id: str
    organ_id: str
    reason: str
    returned_at: datetime
    rerouted_at: datetime | None


class ReturnRepository(_Repository):
    def add_return(self, record: CaseRecord, reason: str, *, at: datetime) -> bool:
        return self._insert_ignoring_duplicates(
            t.case_returns,
            case_id=record.case.case_id,
            petition_id=record.case.petition_id,
            organ_id=record.case.organ_id,
            reason=reason,
            returned_at=at,
        )

    def returns_for_petition(self, petition_id: str) -> list[CaseReturn]:
        rows = self.c.execute(
            select(t.case_returns)
            .where(t.case_returns.c.petition_id == petition_id)
            .order_by(t.case_returns.c.return_id)
        )
        return [
            CaseReturn(r.case_id, r.petition_id, r.organ_id, r.reason, r.returned_at, r.rerouted_at)
            for r in rows
        ]

    def mark_rerouted(self, petition_id: str, *, at: datetime) -> list[CaseReturn]:
        pending = [r for r in self.returns_for_petition(petition_id) if r.rerouted_at is None]
        if pending:
            self.c.execute(
                update(t.case_returns)
                .where(
                    t.case_returns.c.petition_id == petition_id,
                    t.case_returns.c.rerouted_at.is_(None),
                )
                .values(rerouted_at=at)
            )
        return pending
