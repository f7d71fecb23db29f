"""Migration 0006 chains the events recorded before it, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from sqlalchemy import insert, text

from gateway.bootstrap import bootstrap
from gateway.service.audit.verify import verify_trail
from gateway.store.db import alembic_config, make_engine


def test_events_recorded_before_the_chain_existed_are_chained_by_the_migration(settings, db_url):
    engine = make_engine(db_url)
    config = alembic_config(db_url)
    with engine.begin() as c:
        config.attributes["connection"] = c
        command.upgrade(config, "0001")
    from sqlalchemy import JSON, Column, DateTime, Integer, MetaData, String, Table

    old = Table(
        "audit_events",
        MetaData(),
        Column("seq", Integer, primary_key=True),
        Column("at", DateTime(timezone=True)),
        Column("actor", String),
        Column("action", String),
        Column("details", JSON),
    )
    with engine.begin() as c:
        for seq in (1, 2, 4):  # a gap, as a rolled-back PostgreSQL sequence value leaves
            c.execute(
                insert(old).values(
                    seq=seq,
                    at=datetime(2026, 1, 5, 1, seq, tzinfo=UTC),
                    actor="gateway",
                    action="agency.added",
                    details={"n": seq},
                )
            )
    engine.dispose()
    svc = bootstrap(settings.with_(database_url=db_url))
    try:
        with svc.store.unit_of_work() as uow:
            uow.audit.record("operator.note", actor="cli", at=svc.clock.now(), note="after")
            uow.commit()
        with svc.store.engine.connect() as c:
            assert c.execute(text("SELECT seq FROM audit_events ORDER BY seq")).scalars().all() == [
                1,
                2,
                4,
                5,
            ]
        report = verify_trail(svc)
        assert report.ok, report.problems
        assert report.events == 4
    finally:
        svc.close()
