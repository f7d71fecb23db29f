"""What every repository shares: the unit of work's connection."""

from __future__ import annotations

import uuid

from sqlalchemy import Connection


def new_id() -> str:
    return str(uuid.uuid4())


class _Repository:
    """A repository works on the connection of the unit of work that built it."""

    def __init__(self, connection: Connection) -> None:
        self.c = connection

    @property
    def _postgres(self) -> bool:
        return self.c.dialect.name == "postgresql"
