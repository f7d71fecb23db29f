"""What every repository shares: the unit of work's connection, and a few helpers on it."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Connection, insert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert


def new_id() -> str:
    return str(uuid.uuid4())


class _Repository:
    """A repository works on the connection of the unit of work that built it."""

    def __init__(self, connection: Connection) -> None:
        self.c = connection

    @property
    def _postgres(self) -> bool:
        return self.c.dialect.name == "postgresql"

    def _insert_ignoring_duplicates(self, table: Any, **values: Any) -> bool:
        """Insert unless a unique constraint says it exists; True if this call inserted it.
        Concurrent callers serialise on the unique index: exactly one of them wins."""
        dialect = self.c.dialect.name
        if dialect == "postgresql":
            stmt: Any = pg_insert(table).values(**values).on_conflict_do_nothing()
        elif dialect == "sqlite":
            stmt = sqlite_insert(table).values(**values).on_conflict_do_nothing()
        else:  # pragma: no cover - only the two supported backends
            stmt = insert(table).values(**values)
        key = next(iter(table.primary_key.columns))
        return self.c.execute(stmt.returning(key)).first() is not None
