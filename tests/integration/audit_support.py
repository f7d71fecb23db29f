"""Helpers for the audit trail tests: a populated gateway, and direct database tampering."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, select, update

from gateway.service.admin import add_agency
from gateway.service.intake import submit_petition
from gateway.service.services import Services
from gateway.store import tables as t
from gateway.store.audit_log import APPEND_ONLY_TABLES
from tests.conftest import AGENCY_A, AGENCY_B, new_petition


def populate(svc: Services, petitions: int = 3) -> list[str]:
    """Two agencies and ``petitions`` petitions routed to them (signed transfers stored)."""
    add_agency(svc, *AGENCY_A, actor="test")
    add_agency(svc, *AGENCY_B, actor="test")
    return [
        submit_petition(svc, new_petition(i, route_to=(AGENCY_A[0],))).petition_id
        for i in range(petitions)
    ]


@contextmanager
def tampering(svc: Services) -> Iterator[Connection]:
    """A connection on which the append-only triggers are bypassed, as an intruder with
    database administrator rights would; committed at the end."""
    with svc.store.engine.connect() as c:
        c.begin()
        if c.dialect.name == "postgresql":
            for table in APPEND_ONLY_TABLES:
                c.exec_driver_sql(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        else:
            saved = (
                c.exec_driver_sql("SELECT sql FROM sqlite_master WHERE type = 'trigger'")
                .scalars()
                .all()
            )
            names = (
                c.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'trigger'")
                .scalars()
                .all()
            )
            for name in names:
                c.exec_driver_sql(f"DROP TRIGGER {name}")
        yield c
        if c.dialect.name == "postgresql":
            for table in APPEND_ONLY_TABLES:
                c.exec_driver_sql(f"ALTER TABLE {table} ENABLE TRIGGER USER")
        else:
            for sql in saved:
                c.exec_driver_sql(sql)
        c.commit()


def event_row(c: Connection, seq: int) -> dict[str, Any]:
    """Event ``seq`` as the store types it (aware ``at``, ``details`` a dict)."""
    query = select(t.audit_events).where(t.audit_events.c.seq == seq)
    return dict(c.execute(query).mappings().one())


def overwrite_event(c: Connection, seq: int, values: dict[str, Any]) -> None:
    """Set every column of event ``seq`` but its seq."""
    values = {k: v for k, v in values.items() if k != "seq"}
    c.execute(update(t.audit_events).where(t.audit_events.c.seq == seq).values(**values))
