"""Maintenance windows (``uow.maintenance``): at most one open at a time."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, select, update

from gateway.domain.maintenance import Window
from gateway.store import tables as t
from gateway.store.base import _Repository


class MaintenanceRepository(_Repository):
    def current(self) -> Window | None:
        m = t.maintenance_windows.c
        row = self.c.execute(
            select(m.started_at, m.started_by, m.reason)
            .where(m.ended_at.is_(None))
            .order_by(m.id.desc())
            .limit(1)
        ).first()
        return None if row is None else Window(row.started_at, row.started_by, row.reason)

    def start(self, reason: str, *, by: str, at: datetime) -> None:
        self.c.execute(
            insert(t.maintenance_windows).values(started_at=at, started_by=by, reason=reason)
        )

    def end(self, *, by: str, at: datetime) -> bool:
        m = t.maintenance_windows.c
        done = self.c.execute(
            update(t.maintenance_windows)
            .where(m.ended_at.is_(None))
            .values(ended_at=at, ended_by=by)
        )
        return bool(done.rowcount)
