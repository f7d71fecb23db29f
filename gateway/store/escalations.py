"""Escalations: petitions raised to VPCP's attention (level, reason, who raised them)."""

from __future__ import annotations

from sqlalchemy import select

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
        return [
            Escalation(
                r.petition_id,
                EscalationLevel(r.level),
                EscalationReason(r.reason),
                r.detail,
                r.raised_by,
                r.raised_at,
                r.related_petition_id,
            )
            for r in rows
        ]

    def escalated_petition_ids(self, *, limit: int) -> list[str]:
        rows = self.c.execute(select(t.escalations.c.petition_id).distinct().limit(limit))
        return [r[0] for r in rows]
