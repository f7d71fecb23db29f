"""Migration 0004 on a database that already has adapters: each gets a closed circuit."""

from __future__ import annotations

from alembic import command
from sqlalchemy import text

from gateway.store.db import alembic_config, make_engine, upgrade
from tests.conftest import utc


def test_adapters_configured_before_0004_get_a_closed_circuit(db_url):
    engine = make_engine(db_url)
    try:
        config = alembic_config(engine.url.render_as_string(hide_password=False))
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "0001")
        with engine.begin() as c:
            c.execute(
                text(
                    "INSERT INTO agencies (organ_id, name, legacy_sha1, created_at) "
                    "VALUES ('000.00.00.G17', 'Bộ Xây dựng', false, :at)"
                ),
                {"at": utc(2026, 1, 5)},
            )
            c.execute(
                text(
                    "INSERT INTO adapters (organ_id, kind, config, enabled, created_at, "
                    "updated_at) VALUES ('000.00.00.G17', 'rest', '{}', true, :at, :at)"
                ),
                {"at": utc(2026, 1, 5)},
            )
        upgrade(engine)
        with engine.connect() as c:
            rows = c.execute(text("SELECT state, failures FROM adapter_circuits")).all()
        assert [tuple(r) for r in rows] == [("closed", 0)]
    finally:
        engine.dispose()
