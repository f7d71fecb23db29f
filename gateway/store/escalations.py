"""Escalations: petitions raised to VPCP's attention (level, reason, who raised them)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update

from gateway.domain.escalation import Escalation, EscalationLevel, EscalationReason
from gateway.store import tables as t
from gateway.store.base import _Repository


class EscalationRepository(_Repository):
    def add_escalation(self, e: Escalation) -> bool:
        return self._insert_ignoring_duplicates(
            t.escalations,
            petition_id=e.petition_id,
            level=int(e.level),
            reason=e.reason.value,
            detail=e.detail,
            raised_by=e.raised_by,
            raised_at=e.raised_at,
            related_petition_id=e.related_petition_id,
        )

    def escalations_for(self, petition_id: str) -> list[Escalation]:
        rows = self.c.execute(
            select(t.escalations)
            .where(t.escalations.c.petition_id == petition_id)
            .order_by(t.escalations.c.escalation_id)
        )
        return [_escalation(r) for r in rows]

    def escalated_petition_ids(self, *, limit: int) -> list[str]:
        rows = self.c.execute(select(t.escalations.c.petition_id).distinct().limit(limit))
        return [r[0] for r in rows]

    def open_count(self) -> int:
        """Escalated petitions not closed yet whose escalation VPCP has not decided."""
        e, p = t.escalations.c, t.petitions.c
        still_open = (
            select(p.petition_id)
            .where(p.petition_id == e.petition_id, p.status != "closed")
            .exists()
        )
        query = select(func.count(func.distinct(e.petition_id))).where(
            e.decided_at.is_(None), still_open
        )
        return int(self.c.execute(query).scalar_one())

    def decide(
        self,
        petition_id: str,
        reason: EscalationReason,
        *,
        decision: str,
        note: str,
        by: str,
        at: datetime,
    ) -> bool:
        """Record VPCP's decision on an open escalation; False if it was already decided."""
        e = t.escalations.c
        done = self.c.execute(
            update(t.escalations)
            .where(
                e.petition_id == petition_id,
                e.reason == reason.value,
                e.decided_at.is_(None),
            )
            .values(decided_at=at, decision=decision, decided_by=by, decision_note=note)
        )
        return bool(done.rowcount)

    def queue(self, *, limit: int = 200) -> list[tuple[Escalation, str]]:
        """Undecided escalations of petitions not closed, oldest first, with each title."""
        e, p = t.escalations.c, t.petitions.c
        rows = self.c.execute(
            select(t.escalations, p.title)
            .join(t.petitions, p.petition_id == e.petition_id)
            .where(p.status != "closed", e.decided_at.is_(None))
            .order_by(e.raised_at)
            .limit(limit)
        )
        return [(_escalation(r), r.title) for r in rows]


def _escalation(r: Any) -> Escalation:
    return Escalation(
        r.petition_id,
        EscalationLevel(r.level),
        EscalationReason(r.reason),
        r.detail,
        r.raised_by,
        r.raised_at,
        r.related_petition_id,
        r.decided_at,
        r.decision or "",
        r.decided_by or "",
        r.decision_note or "",
    )
