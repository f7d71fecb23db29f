"""Deliveries: one signed document on its way to one agency."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, update

from gateway.domain.delivery import Delivery, DeliveryState
from gateway.store import tables as t
from gateway.store.base import _Repository


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

    def waiting_by_agency(self) -> dict[str, int]:
        """Deliveries not settled yet (queued, sending, retrying), per agency."""
        d = t.deliveries.c
        waiting = [
            s.value for s in (DeliveryState.QUEUED, DeliveryState.SENDING, DeliveryState.RETRYING)
        ]
        rows = self.c.execute(
            select(d.organ_id, func.count()).where(d.state.in_(waiting)).group_by(d.organ_id)
        )
        return {row[0]: int(row[1]) for row in rows}

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
