"""The embedded queue's rows, as the unit of work writes them: a message enqueued here is
committed with the rest of the transaction (the relay moves outbox rows to the queue at once).

Claiming, leasing, acknowledging and dead-lettering belong to the embedded transport
(:mod:`gateway.transport.embedded`), which polls the same table on its own connections."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from sqlalchemy import insert

from gateway.store import tables as t
from gateway.store.base import _Repository


class Enqueued(Protocol):
    """What a queued message is made of (the transport's ``Message`` is one)."""

    @property
    def queue(self) -> str: ...

    @property
    def body(self) -> bytes: ...

    @property
    def message_id(self) -> str: ...


class QueueRepository(_Repository):
    def add_all(self, messages: Sequence[Enqueued], *, at: datetime) -> None:
        """Enqueue messages, available at once, in one statement."""
        if not messages:
            return
        self.c.execute(
            insert(t.queue_messages),
            [
                {
                    "message_id": m.message_id,
                    "queue": m.queue,
                    "body": m.body,
                    "attempts": 0,
                    "available_at": at,
                    "dead": False,
                    "created_at": at,
                }
                for m in messages
            ],
        )
