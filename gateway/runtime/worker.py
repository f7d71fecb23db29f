"""The worker: takes messages from the agencies' outbound queues and runs their use case.

Each of ``threads`` consumer threads takes one message at a time, so one slow agency occupies
one thread, not the worker. Messages are settled only after the use case committed its state:
ack on success, retry after the computed backoff on a transient failure, dead-letter on a
permanent one. A body that cannot be decoded goes straight to the dead-letter queue.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable

from gateway import logs
from gateway.errors import ErrorCode, TransportError
from gateway.runtime import metrics
from gateway.service import dead_letters
from gateway.service.delivery import Result, Settle, deliver
from gateway.service.services import Services
from gateway.transport.base import OUTBOUND_PREFIX, Message, Received, Transport, outbound_queue

log = logging.getLogger("gateway.worker")

Handler = Callable[[Services, dict[str, object], Message], Result]


def _deliver(svc: Services, payload: dict[str, object], message: Message) -> Result:
    return deliver(svc, str(payload["delivery_id"]), message)


HANDLERS: dict[str, Handler] = {"deliver": _deliver}


class Worker:
    def __init__(
        self,
        svc: Services,
        transport: Transport,
        *,
        threads: int = 4,
        queue_refresh_seconds: float = 2.0,
        receive_timeout: float = 0.5,
    ) -> None:
        self.svc = svc
        self.transport = transport
        self.threads = threads
        self.queue_refresh_seconds = queue_refresh_seconds
        self.receive_timeout = receive_timeout
        self._queues: list[str] = []
        self._queues_at = 0.0
        self._lock = threading.Lock()
        self.max_deliveries = svc.settings.max_attempts + 10
        """Beyond this many hand-outs (retries plus deaths of the consumer holding it), a message
        is dead-lettered without running its handler again."""

    def queues(self) -> list[str]:
        """The outbound queues of every agency with an enabled adapter (refreshed periodically,
        so a newly added agency is served without a restart); none during maintenance (what a
        consumer holds it finishes; the rest waits in the queues)."""
        with self._lock:
            if time.monotonic() - self._queues_at > self.queue_refresh_seconds:
                with self.svc.store.unit_of_work() as uow:
                    paused = uow.maintenance.current() is not None
                    organs = [] if paused else uow.adapters.organs_with_enabled_adapters()
                self._queues = [outbound_queue(o) for o in organs]
                self._queues_at = time.monotonic()
            return self._queues

    def handle(self, received: Received) -> Settle:
        """Run one message to completion and settle it. Returns how it was settled."""
        message = received.message
        try:
            payload = json.loads(message.body)
            handler = HANDLERS[payload["type"]]
        except (ValueError, KeyError, TypeError) as e:
            reason = f"{ErrorCode.MESSAGE_UNDECODABLE}: {type(e).__name__}: {e}"[:500]
            log.error(
                "message %s on %s is undecodable: dead-lettered", message.message_id, message.queue
            )
            dead_letters.record(self.svc, message, reason, code=ErrorCode.MESSAGE_UNDECODABLE)
            self.transport.dead_letter(received, reason=reason)
            return Settle.DEAD
        if received.deliveries > self.max_deliveries:
            reason = (
                f"{ErrorCode.DELIVERY_EXHAUSTED}: handed out {received.deliveries} times "
                "without being settled"
            )
            log.error(
                "message %s on %s: %s; dead-lettered", message.message_id, message.queue, reason
            )
            dead_letters.give_up(self.svc, message, reason, code=ErrorCode.DELIVERY_EXHAUSTED)
            self.transport.dead_letter(received, reason=reason)
            return Settle.DEAD
        with logs.correlated(str(payload.get("petition_id") or "")):
            return self._run(handler, payload, received)

    def _run(self, handler: Handler, payload: dict[str, object], received: Received) -> Settle:
        message = received.message
        agency = message.queue.removeprefix(OUTBOUND_PREFIX)
        started = time.perf_counter()
        try:
            result = handler(self.svc, payload, message)
        except Exception as e:  # infrastructure trouble (database down…): try again later
            log.exception("message %s failed unexpectedly; will retry", message.message_id)
            result = Result(
                Settle.RETRY,
                delay=min(60.0, 2.0 * received.deliveries),
                reason=f"{type(e).__name__}: {e}",
            )
        if result.settle is Settle.ACK:
            self.transport.ack(received)
        elif result.settle is Settle.RETRY:
            self.transport.retry(received, delay=result.delay, reason=result.reason)
        else:  # a FAILED delivery recorded its dead letter already; this records the rest
            dead_letters.record(self.svc, message, result.reason, code=result.code)
            self.transport.dead_letter(received, reason=result.reason)
        # the reason can quote an agency's answer: it goes to the database, not to the log
        log.info("message %s on %s: %s", message.message_id, message.queue, result.settle.value)
        metrics.DELIVERY_SECONDS.labels(agency).observe(time.perf_counter() - started)
        metrics.DELIVERY_ATTEMPTS.labels(agency, result.settle.value).inc()
        routed = payload.get("routed_at")
        if result.settle is Settle.ACK and isinstance(routed, (int, float)):
            metrics.ROUTED_TO_RECEIPT.observe(max(0.0, self.svc.clock.now().timestamp() - routed))
        return result.settle

    def consume(self, stop: threading.Event) -> None:
        """One consumer loop; runs until ``stop`` is set."""
        while not stop.is_set():
            try:
                queues = self.queues()
                if not queues:
                    stop.wait(self.receive_timeout)
                    continue
                received = self.transport.receive(queues, timeout=self.receive_timeout)
                if received is not None:
                    self.handle(received)
            except TransportError as e:
                log.warning("worker: transport unavailable (%s)", e.message)
                stop.wait(1.0)
            except Exception:
                log.exception("worker: unexpected error")
                stop.wait(1.0)

    def start(self, stop: threading.Event) -> list[threading.Thread]:
        threads = [
            threading.Thread(target=self.consume, args=(stop,), name=f"worker-{i}", daemon=True)
            for i in range(self.threads)
        ]
        for thread in threads:
            thread.start()
        return threads
