"""The embedded transport: a queue in the gateway's own database, for the one-machine default.

A consumer claims a message with a lease (``lease_until``, ``lease_owner``); acking deletes it,
retrying makes it available again later, dead-lettering marks it dead with a reason. A consumer
that dies simply lets its lease expire. On PostgreSQL claims use ``FOR UPDATE SKIP LOCKED``; on
SQLite the single writer makes the claim atomic.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import Engine, delete, or_, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.sql.dml import Delete, Update

from gateway.clock import Clock, SystemClock
from gateway.errors import TransportUnavailable
from gateway.store import tables as t
from gateway.store.queue import QueueRepository
from gateway.transport.base import DeadLetter, Message, Received, Transport

if TYPE_CHECKING:
    from gateway.store.uow import UnitOfWork

q = t.queue_messages


class EmbeddedTransport(Transport):
    def __init__(
        self,
        engine: Engine,
        *,
        lease_seconds: float = 30.0,
        clock: Clock | None = None,
        poll_interval: float = 0.05,
    ) -> None:
        self.engine = engine
        self.lease = timedelta(seconds=lease_seconds)
        self.clock = clock or SystemClock()
        self.poll_interval = poll_interval
        self._wakeup = threading.Condition()

    def publish(self, messages: Sequence[Message]) -> None:
        try:
            with self.engine.begin() as c:
                QueueRepository(c).add_all(messages, at=self.clock.now())
        except OperationalError as e:
            raise TransportUnavailable(f"embedded queue unavailable: {e.orig}") from e
        self.notify()

    def publish_in(self, uow: UnitOfWork, messages: Sequence[Message]) -> None:
        """Enqueue in the relay's own transaction: taking rows out of the outbox and putting
        them in the queue happen together or not at all; consumers are woken after the commit."""
        uow.queue.add_all(messages, at=self.clock.now())
        uow.after_commit(self.notify)

    def notify(self) -> None:
        """Wake consumers in this process waiting in :meth:`receive`."""
        with self._wakeup:
            self._wakeup.notify_all()

    def receive(self, queues: Sequence[str], *, timeout: float) -> Received | None:
        deadline = time.monotonic() + timeout
        while True:
            received = self._claim(queues)
            if received is not None or not queues:
                return received
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            with self._wakeup:
                self._wakeup.wait(min(self.poll_interval, remaining))

    def _claim(self, queues: Sequence[str]) -> Received | None:
        if not queues:
            return None
        now = self.clock.now()
        query = (
            select(q.c.id, q.c.message_id, q.c.queue, q.c.body, q.c.attempts)
            .where(
                q.c.dead.is_(False),
                q.c.queue.in_(list(queues)),
                q.c.available_at <= now,
                or_(q.c.lease_until.is_(None), q.c.lease_until < now),
            )
            .order_by(q.c.available_at, q.c.id)
            .limit(1)
        )
        if self.engine.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        owner = uuid.uuid4().hex
        try:
            with self.engine.begin() as c:
                row = c.execute(query).first()
                if row is None:
                    return None
                c.execute(
                    update(q)
                    .where(q.c.id == row.id)
                    .values(
                        lease_until=now + self.lease, lease_owner=owner, attempts=row.attempts + 1
                    )
                )
        except OperationalError as e:
            raise TransportUnavailable(f"embedded queue unavailable: {e.orig}") from e
        message = Message(row.queue, bytes(row.body), row.message_id)
        return Received(message, deliveries=row.attempts + 1, token=(row.id, owner))

    def _settle(self, received: Received, statement: Delete | Update) -> None:
        row_id, owner = received.token
        statement = statement.where(q.c.id == row_id, q.c.lease_owner == owner)
        try:
            with self.engine.begin() as c:
                c.execute(statement)
        except OperationalError as e:
            raise TransportUnavailable(f"embedded queue unavailable: {e.orig}") from e

    def ack(self, received: Received) -> None:
        self._settle(received, delete(q))

    def retry(self, received: Received, *, delay: float, reason: str) -> None:
        available = self.clock.now() + timedelta(seconds=delay)
        self._settle(
            received,
            update(q).values(
                available_at=available, lease_until=None, lease_owner=None, last_error=reason[:2000]
            ),
        )

    def dead_letter(self, received: Received, *, reason: str) -> None:
        self._settle(
            received,
            update(q).values(
                dead=True,
                lease_until=None,
                lease_owner=None,
                last_error=reason[:2000],
                died_at=self.clock.now(),
            ),
        )

    def dead_letters(self, limit: int = 100) -> list[DeadLetter]:
        with self.engine.connect() as c:
            rows = c.execute(select(q).where(q.c.dead.is_(True)).order_by(q.c.id).limit(limit))
            return [
                DeadLetter(
                    Message(r.queue, bytes(r.body), r.message_id),
                    r.last_error or "",
                    r.died_at or r.created_at,
                )
                for r in rows
            ]

    def close(self) -> None:
        with self._wakeup:
            self._wakeup.notify_all()
