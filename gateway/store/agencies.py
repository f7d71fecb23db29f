"""Agencies and the adapters configured for them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, update

from gateway.domain.agency import Agency
from gateway.store import tables as t
from gateway.store.base import _Repository


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
