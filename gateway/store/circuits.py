"""Circuit breakers: one row per adapter (closed, open until a time, or half-open)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, insert, select, update

from gateway.domain.circuit import Circuit, CircuitState
from gateway.store import tables as t
from gateway.store.base import _Repository


class CircuitRepository(_Repository):
    def get(self, adapter_id: int, *, for_update: bool = False) -> Circuit:
        query = select(t.adapter_circuits).where(t.adapter_circuits.c.adapter_id == adapter_id)
        if for_update:
            query = query.with_for_update()
        row = self.c.execute(query).first()
        if row is None:
            return Circuit(adapter_id)
        return Circuit(
            adapter_id, CircuitState(row.state), row.failures, row.open_until, row.last_error
        )

    def all(self) -> dict[int, Circuit]:
        rows = self.c.execute(select(t.adapter_circuits))
        return {
            row.adapter_id: Circuit(
                row.adapter_id,
                CircuitState(row.state),
                row.failures,
                row.open_until,
                row.last_error,
            )
            for row in rows
        }

    def open_since(self) -> dict[int, datetime]:
        """Adapters whose circuit is not closed, and since when its state last changed."""
        c = t.adapter_circuits.c
        rows = self.c.execute(select(c.adapter_id, c.updated_at).where(c.state != "closed"))
        return {row[0]: row[1] for row in rows}

    def save(self, circuit: Circuit, *, at: datetime) -> None:
        """Every adapter gets its row when it is added (migration 0004 made those of older
        adapters), so this is an update; the insert is for rows removed by hand."""
        values = {
            "state": circuit.state.value,
            "failures": circuit.failures,
            "open_until": circuit.open_until,
            "last_error": (circuit.last_error or "")[:2000] or None,
            "updated_at": at,
        }
        done = self.c.execute(
            update(t.adapter_circuits)
            .where(t.adapter_circuits.c.adapter_id == circuit.adapter_id)
            .values(**values)
        )
        if done.rowcount == 0:
            self.c.execute(
                insert(t.adapter_circuits).values(adapter_id=circuit.adapter_id, **values)
            )

    def remove(self, adapter_id: int) -> None:
        self.c.execute(
            delete(t.adapter_circuits).where(t.adapter_circuits.c.adapter_id == adapter_id)
        )
