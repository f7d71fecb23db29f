"""The outbox relay: publishes committed outbox rows to the transport, then marks them published.

With the embedded transport the queue lives in the same database, so the move is one transaction
(exactly once). With a broker, rows are published with confirms and marked afterwards: a crash in
between publishes them again, and consumers de-duplicate by message id.
"""

from __future__ import annotations

import logging
import threading

from gateway.clock import Clock
from gateway.errors import TransportError
from gateway.store.uow import Store
from gateway.transport.base import Message, Transport

log = logging.getLogger("gateway.relay")


class OutboxRelay:
    def __init__(
        self,
        store: Store,
        transport: Transport,
        clock: Clock,
        *,
        batch: int = 200,
        idle_seconds: float = 0.05,
    ) -> None:
        self.store = store
        self.transport = transport
        self.clock = clock
        self.batch = batch
        self.idle_seconds = idle_seconds

    def run_once(self) -> int:
        """Publish one batch; returns how many rows were published."""
        with self.store.unit_of_work() as uow:
            rows = uow.outbox.claim_unpublished(self.batch)
            if not rows:
                return 0
            messages = [Message(r.queue, r.body, r.message_id) for r in rows]
            self.transport.publish_in(uow, messages)
            uow.outbox.mark_published([r.id for r in rows], at=self.clock.now())
            uow.commit()
        return len(rows)

    def run(self, stop: threading.Event) -> None:
        log.info("outbox relay started")
        backoff = self.idle_seconds
        while not stop.is_set():
            try:
                published = self.run_once()
                backoff = self.idle_seconds
            except TransportError as e:
                log.warning("relay: transport unavailable (%s); retrying", e.message)
                published, backoff = 0, min(backoff * 2, 5.0)
            except Exception:
                log.exception("relay: unexpected error; retrying")
                published, backoff = 0, min(backoff * 2, 5.0)
            if published < self.batch:
                stop.wait(backoff)
        log.info("outbox relay stopped")
