"""Engines and migrations.

SQLite (the embedded default) runs in WAL mode and opens every transaction with ``BEGIN
IMMEDIATE``, so concurrent writers in one process queue on the busy timeout instead of failing
with "database is locked" when a reader upgrades to a writer. PostgreSQL (production) uses a
connection pool sized for the worker and API threads:

- ``pool_size`` = GATEWAY_DB_POOL_SIZE (default 10), ``max_overflow`` = 10, ``pool_pre_ping``
  so a restarted server costs one failed check, not a failed request; ``pool_recycle`` 30 min.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

from gateway.errors import ConfigurationError

MIGRATIONS = Path(__file__).with_name("migrations")


def make_engine(url: str, *, busy_seconds: float = 10.0, **overrides: Any) -> Engine:
    """Create the engine for ``url`` (sqlite:/// or postgresql+psycopg://). On SQLite a writer
    waits ``busy_seconds`` for the write lock, then the unit of work raises DatabaseBusy."""
    try:
        parsed = make_url(url)
    except Exception as e:
        raise ConfigurationError(f"GATEWAY_DATABASE_URL is not a database URL: {e}") from e
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            connect_args={"timeout": busy_seconds, "check_same_thread": False},
            **overrides,
        )
        _configure_sqlite(engine, busy_ms=int(busy_seconds * 1000))
        return engine
    if parsed.get_backend_name() == "postgresql":
        if parsed.drivername == "postgresql":
            url = str(parsed.set(drivername="postgresql+psycopg"))
        options: dict[str, Any] = {
            "pool_size": int(os.environ.get("GATEWAY_DB_POOL_SIZE", "10")),
            "max_overflow": 10,
            "pool_pre_ping": True,
            "pool_recycle": 1800,
        }
        options.update(overrides)
        return create_engine(url, **options)
    raise ConfigurationError(
        f"unsupported database {parsed.get_backend_name()!r}: use sqlite:///… or postgresql://…"
    )


def _configure_sqlite(engine: Engine, *, busy_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest migration (idempotent)."""
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
