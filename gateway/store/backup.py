"""A consistent copy of the database, and putting one back. The only place that knows how each
backend is copied: SQLite through its online backup API (a snapshot while writers go on),
PostgreSQL through ``pg_dump``/``pg_restore`` (one transaction's snapshot, custom format)."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.engine import URL

from gateway.errors import ConfigurationError

SQLITE_FILE = "database.sqlite"
POSTGRES_FILE = "database.dump"


def dump(engine: Engine, folder: Path) -> Path:
    """Write a consistent copy of the database into ``folder``; returns the file."""
    url = engine.url
    if url.get_backend_name() == "sqlite":
        target = folder / SQLITE_FILE
        source = sqlite3.connect(str(url.database))
        try:
            copy = sqlite3.connect(str(target))
            try:
                source.backup(copy)
            finally:
                copy.close()
        finally:
            source.close()
        return target
    target = folder / POSTGRES_FILE
    _run(["pg_dump", "--format=custom", "--no-owner", "--file", str(target), _libpq(url)])
    return target


def load(engine: Engine, folder: Path) -> None:
    """Replace the database's content with the copy in ``folder``. The gateway must be stopped
    (SQLite: the file is replaced; PostgreSQL: every object is dropped and restored)."""
    url = engine.url
    engine.dispose()
    if url.get_backend_name() == "sqlite":
        source = folder / SQLITE_FILE
        if not source.is_file():
            raise ConfigurationError(f"{folder} holds no SQLite backup ({SQLITE_FILE})")
        target = Path(str(url.database))
        for stale in (
            target.with_name(target.name + "-wal"),
            target.with_name(target.name + "-shm"),
        ):
            stale.unlink(missing_ok=True)
        shutil.copyfile(source, target)
        return
    source = folder / POSTGRES_FILE
    if not source.is_file():
        raise ConfigurationError(f"{folder} holds no PostgreSQL backup ({POSTGRES_FILE})")
    _run(
        [
            "pg_restore",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--dbname",
            _libpq(url),
            str(source),
        ]
    )


def _libpq(url: URL) -> str:
    """The URL as libpq's tools take it (no SQLAlchemy driver name)."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _run(command: list[str]) -> None:
    if shutil.which(command[0]) is None:
        raise ConfigurationError(
            f"{command[0]} is not installed: install the Debian package postgresql-client"
        )
    done = subprocess.run(command, capture_output=True, text=True, timeout=3600, check=False)
    if done.returncode != 0:
        raise ConfigurationError(f"{command[0]} failed: {done.stderr.strip()[-500:]}")
