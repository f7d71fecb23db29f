"""The RabbitMQ transport (pika), selected by ``GATEWAY_BROKER_URL=amqp://…``.

Topology (declared by the code, idempotently; every name starts with ``prefix``, default ``pakn``)::

    <p>.outbound (direct, key = OrganId) ──▶ <p>.outbound.<OrganId>   quorum, one per agency
    <p>.direct   (direct, key = queue)   ──▶ <p>.inbound              quorum, from agencies
    <p>.delay    (topic, "<ms>.<queue>") ──▶ <p>.delay.<ms>          TTL = ms, dead-letters to ↓
    <p>.requeue  (topic, "*.<queue>")    ──▶ back to the work queue
    <p>.dead     (fanout)                ──▶ <p>.dead                 quorum: the dead-letter queue

A retry is a copy published to the delay tier at or just above the delay (the tiers share one TTL
each, so nothing waits behind a longer delay), then the original is acked. A dead letter is a copy
with its reason in the headers, then the ack. Work queues also dead-letter a message that was
handed out ``delivery_limit`` times without being settled (a message that kills its consumer).

One I/O thread per transport owns one pika ``SelectConnection`` (pika is not thread-safe): callers
on other threads hand it work through ``add_callback_threadsafe`` and wait on a future. Publishing
uses publisher confirms with a window: a whole batch is written, then the confirms (often one
``multiple`` ack) are awaited together — not one round trip per message. Deliveries are buffered
per queue; ``prefetch`` bounds the unacked messages per queue and process, so one slow agency can
hold at most ``prefetch`` worker threads. After a connection or channel loss the thread reconnects
with capped exponential backoff; settling a message from the lost connection is a no-op (the broker
hands it out again, and consumers de-duplicate on the message id).
"""

from __future__ import annotations

import bisect
import contextlib
import itertools
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pika
import pika.exceptions
from pika.channel import Channel
from pika.spec import Basic, BasicProperties

from gateway.errors import TransportUnavailable
from gateway.transport.base import (
    INBOUND_QUEUE,
    OUTBOUND_PREFIX,
    DeadLetter,
    Message,
    Received,
    Transport,
)

log = logging.getLogger("gateway.transport.rabbitmq")

DELAY_TIERS_MS = (
    50,
    100,
    250,
    500,
    1_000,
    2_000,
    5_000,
    10_000,
    30_000,
    60_000,
    120_000,
    300_000,
    600_000,
    1_800_000,
    3_600_000,
)
ATTEMPTS = "x-gateway-attempts"
REASON = "x-gateway-reason"
ORIGIN = "x-gateway-queue"
DIED_AT = "x-gateway-died-at"

Step = Callable[[Callable[..., None]], None]


def delay_tier(seconds: float) -> int:
    """The delay queue (its TTL in ms) for a retry after ``seconds``: the smallest tier not
    shorter than the delay, or the longest."""
    index = bisect.bisect_left(DELAY_TIERS_MS, seconds * 1000)
    return DELAY_TIERS_MS[min(index, len(DELAY_TIERS_MS) - 1)]


def _chain(steps: Sequence[Step], done: Callable[[], None]) -> None:
    """Run asynchronous AMQP calls one after the other (each step gets the next as callback)."""
    remaining = iter(steps)

    def next_step(*_: Any) -> None:
        step = next(remaining, None)
        if step is None:
            done()
        else:
            step(next_step)

    next_step()


@dataclass
class _Batch:
    """Messages published together, waiting for their confirms."""

    future: Future[None]
    outstanding: int
    message_ids: set[str]
    nacked: bool = False
    then: Callable[[], None] | None = None


@dataclass
class _Buffered:
    generation: int
    delivery_tag: int
    message: Message
    deliveries: int
    headers: dict[str, Any] = field(default_factory=dict)


class RabbitTransport(Transport):
    def __init__(
        self,
        url: str,
        *,
        prefix: str = "pakn",
        prefetch: int = 2,
        heartbeat: int = 30,
        confirm_window: int = 1000,
        timeout: float = 30.0,
        delivery_limit: int = 50,
    ) -> None:
        self.params = pika.URLParameters(url)
        self.params.heartbeat = heartbeat
        self.params.connection_attempts = 1
        self.params.socket_timeout = 5
        self.params.blocked_connection_timeout = timeout
        self.url = url
        self.prefix = prefix
        self.prefetch = prefetch
        self.confirm_window = confirm_window
        self.timeout = timeout
        self.delivery_limit = delivery_limit
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self._closing = threading.Event()
        self._up = False
        self._generation = 0
        self._last_error = "not connected yet"
        # owned by the I/O thread (read under _cond by others where noted)
        self._connection: pika.SelectConnection | None = None
        self._publisher: Channel | None = None
        self._consumer: Channel | None = None
        self._declared: set[str] = set()
        self._tags = itertools.count(1)
        self._confirms: dict[int, _Batch] = {}
        self._returned: set[str] = set()
        self._pending: set[Future[Any]] = set()
        self._consumer_queue: dict[str, str] = {}
        self._consumer_tags = itertools.count(1)
        # shared, under _cond
        self._wanted: set[str] = set()
        self._consuming: set[str] = set()
        self._buffer: dict[str, deque[_Buffered]] = {}
        self._turn = itertools.count()

    # -- names ------------------------------------------------------------------------------

    def _x(self, name: str) -> str:
        return f"{self.prefix}.{name}"

    def physical(self, queue: str) -> str:
        return self._x(queue)

    def _route(self, queue: str) -> tuple[str, str]:
        if queue.startswith(OUTBOUND_PREFIX):
            return self._x("outbound"), queue[len(OUTBOUND_PREFIX) :]
        return self._x("direct"), queue

    # -- the port ---------------------------------------------------------------------------

    def publish(self, messages: Sequence[Message]) -> None:
        for start in range(0, len(messages), self.confirm_window):
            window = list(messages[start : start + self.confirm_window])
            self._call(lambda fut, w=window: self._publish(w, fut))  # type: ignore[misc]

    def receive(self, queues: Sequence[str], *, timeout: float) -> Received | None:
        if not queues:
            return None
        self._start()
        with self._cond:
            self._wanted |= set(queues)  # consumed again after every reconnect
            missing = set(queues) - self._consuming
        if missing:
            self._call(lambda fut: self._consume(sorted(missing), fut))
        wanted = list(queues)
        with self._cond:
            deadline = time.monotonic() + timeout
            while True:
                turn = next(self._turn) % len(wanted)  # no queue starves the others
                for queue in wanted[turn:] + wanted[:turn]:
                    buffered = self._buffer.get(queue)
                    if buffered:
                        item = buffered.popleft()
                        return Received(
                            item.message,
                            item.deliveries,
                            token=(item.generation, item.delivery_tag, item.headers),
                        )
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    if not self._up:
                        raise TransportUnavailable(f"RabbitMQ unavailable: {self._last_error}")
                    return None
                self._cond.wait(remaining)

    def ack(self, received: Received) -> None:
        generation, tag, _ = received.token
        if not self._owned(generation):
            return
        # if the connection is gone, so is our ownership: the message is handed out again
        with contextlib.suppress(TransportUnavailable):
            self._call(lambda fut: self._settle(generation, tag, fut), wait_up=0)

    def retry(self, received: Received, *, delay: float, reason: str) -> None:
        generation, tag, _ = received.token
        if not self._owned(generation):
            return
        message = received.message
        copy = {ATTEMPTS: received.deliveries, REASON: reason[:500], ORIGIN: message.queue}
        if delay <= 0:
            exchange, key = self._route(message.queue)
        else:
            exchange, key = self._x("delay"), f"{delay_tier(delay)}.{message.queue}"
        self._call(lambda fut: self._republish(exchange, key, message, copy, generation, tag, fut))

    def dead_letter(self, received: Received, *, reason: str) -> None:
        generation, tag, headers = received.token
        if not self._owned(generation):
            return
        message = received.message
        copy = {
            **{k: v for k, v in headers.items() if k.startswith("x-gateway")},
            REASON: reason[:2000],
            ORIGIN: message.queue,
            DIED_AT: datetime.now(UTC).isoformat(timespec="seconds"),
        }
        self._call(
            lambda fut: self._republish(self._x("dead"), "", message, copy, generation, tag, fut)
        )

    def dead_letters(self, limit: int = 100) -> list[DeadLetter]:
        """A look at the dead-letter queue (messages stay in it)."""
        try:
            connection = pika.BlockingConnection(self.params)
        except pika.exceptions.AMQPError as e:
            raise TransportUnavailable(f"RabbitMQ unavailable: {e!r}") from e
        found: list[DeadLetter] = []
        try:
            channel = connection.channel()
            self._declare_dead_blocking(channel)
            for _ in range(limit):
                method, properties, body = channel.basic_get(self._x("dead"), auto_ack=False)
                if method is None:
                    break
                headers = properties.headers or {}
                died = headers.get(DIED_AT)
                found.append(
                    DeadLetter(
                        Message(str(headers.get(ORIGIN, "")), body, properties.message_id or ""),
                        str(headers.get(REASON) or _death_reason(headers)),
                        datetime.fromisoformat(died) if isinstance(died, str) else None,
                    )
                )
        finally:
            connection.close()  # unacked gets go back to the queue
        return found

    def close(self) -> None:
        self._closing.set()
        with self._cond:
            connection = self._connection
        if connection is not None:
            with contextlib.suppress(Exception):  # the loop may already be gone
                connection.ioloop.add_callback_threadsafe(self._close_connection)
        if self._thread is not None:
            self._thread.join(timeout=10)
        with self._cond:
            self._cond.notify_all()

    # -- calls from other threads -------------------------------------------------------------

    def _owned(self, generation: int) -> bool:
        with self._cond:
            return self._up and generation == self._generation

    def _call(self, work: Callable[[Future[Any]], None], *, wait_up: float | None = None) -> Any:
        """Run ``work(future)`` on the I/O thread and wait for the future."""
        self._start()
        limit = min(self.timeout, 5.0) if wait_up is None else wait_up
        with self._cond:
            self._cond.wait_for(lambda: self._up or self._closing.is_set(), timeout=limit)
            if not self._up:
                raise TransportUnavailable(f"RabbitMQ unavailable: {self._last_error}")
            connection, generation = self._connection, self._generation
        future: Future[Any] = Future()

        def run() -> None:
            if generation != self._generation or not self._up:
                future.set_exception(TransportUnavailable("RabbitMQ connection was lost"))
                return
            self._pending.add(future)
            future.add_done_callback(self._pending.discard)
            try:
                work(future)
            except Exception as e:
                if not future.done():
                    future.set_exception(TransportUnavailable(f"RabbitMQ: {e!r}"))

        assert connection is not None
        try:
            connection.ioloop.add_callback_threadsafe(run)
        except Exception as e:
            raise TransportUnavailable(f"RabbitMQ connection was lost: {e!r}") from e
        try:
            return future.result(timeout=self.timeout)
        except FutureTimeout as e:
            raise TransportUnavailable("RabbitMQ did not answer in time") from e

    # -- the I/O thread -----------------------------------------------------------------------

    def _start(self) -> None:
        with self._cond:
            if self._thread is None and not self._closing.is_set():
                self._thread = threading.Thread(target=self._run, name="rabbitmq-io", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        backoff = 0.2
        while not self._closing.is_set():
            opened_before = self._generation
            connection = pika.SelectConnection(
                self.params,
                on_open_callback=self._on_open,
                on_open_error_callback=self._on_open_error,
                on_close_callback=self._on_closed,
            )
            with self._cond:
                self._connection = connection
            try:
                connection.ioloop.start()
            except Exception as e:
                self._last_error = repr(e)
                log.exception("RabbitMQ I/O loop failed")
            self._teardown()
            with contextlib.suppress(Exception):
                connection.ioloop.close()  # its wake-up sockets
            if self._generation > opened_before + 1:
                backoff = 0.2  # it had been up: start the backoff again
            if self._closing.wait(backoff):
                break
            backoff = min(backoff * 2, 5.0)
            log.warning("reconnecting to RabbitMQ (%s)", self._last_error)

    def _teardown(self) -> None:
        with self._cond:
            self._up = False
            self._generation += 1
            self._connection = None
            self._consuming.clear()
            self._buffer.clear()  # unacked: the broker hands them out again
            self._cond.notify_all()
        for future in list(self._pending):
            if not future.done():
                future.set_exception(
                    TransportUnavailable(f"RabbitMQ connection was lost: {self._last_error}")
                )
        self._pending.clear()
        self._confirms.clear()
        self._returned.clear()
        self._declared.clear()
        self._consumer_queue.clear()
        self._publisher = self._consumer = None

    def _on_open_error(self, connection: pika.SelectConnection, error: BaseException | str) -> None:
        self._last_error = repr(error)
        connection.ioloop.stop()

    def _on_closed(self, connection: pika.SelectConnection, reason: BaseException) -> None:
        if not self._closing.is_set():
            self._last_error = repr(reason)
            log.warning("RabbitMQ connection closed: %r", reason)
        connection.ioloop.stop()

    def _close_connection(self) -> None:
        connection = self._connection
        if connection is not None and connection.is_open:
            connection.close()
        elif connection is not None and connection.is_closed:
            connection.ioloop.stop()

    def _on_channel_closed(self, channel: Channel, reason: BaseException) -> None:
        """A channel lost (e.g. a declare refused): start over with a fresh connection."""
        self._last_error = repr(reason)
        if not self._closing.is_set():
            log.warning("RabbitMQ channel closed: %r", reason)
        self._close_connection()

    def _on_open(self, connection: pika.SelectConnection) -> None:
        connection.channel(on_open_callback=self._on_publisher)

    def _on_publisher(self, channel: Channel) -> None:
        self._publisher = channel
        self._tags = itertools.count(1)  # confirms count per channel
        channel.add_on_close_callback(self._on_channel_closed)
        channel.add_on_return_callback(self._on_return)
        x = self._x
        steps: list[Step] = [
            lambda cb: channel.confirm_delivery(self._on_confirm, callback=cb),
            lambda cb: channel.exchange_declare(x("outbound"), "direct", durable=True, callback=cb),
            lambda cb: channel.exchange_declare(x("direct"), "direct", durable=True, callback=cb),
            lambda cb: channel.exchange_declare(x("delay"), "topic", durable=True, callback=cb),
            lambda cb: channel.exchange_declare(x("requeue"), "topic", durable=True, callback=cb),
            lambda cb: channel.exchange_declare(x("dead"), "fanout", durable=True, callback=cb),
            lambda cb: channel.queue_declare(
                x("dead"), durable=True, arguments={"x-queue-type": "quorum"}, callback=cb
            ),
            lambda cb: channel.queue_bind(x("dead"), x("dead"), callback=cb),
        ]
        for tier in DELAY_TIERS_MS:
            name = x(f"delay.{tier}")
            steps += [
                lambda cb, n=name, t=tier: channel.queue_declare(  # type: ignore[misc]
                    n,
                    durable=True,
                    callback=cb,
                    arguments={"x-message-ttl": t, "x-dead-letter-exchange": x("requeue")},
                ),
                lambda cb, n=name, t=tier: channel.queue_bind(  # type: ignore[misc]
                    n, x("delay"), routing_key=f"{t}.#", callback=cb
                ),
            ]
        steps += self._declare_steps(channel, [INBOUND_QUEUE])

        def open_consumer() -> None:
            if self._connection is not None:
                self._connection.channel(on_open_callback=self._on_consumer)

        _chain(steps, open_consumer)

    def _on_consumer(self, channel: Channel) -> None:
        self._consumer = channel
        channel.add_on_close_callback(self._on_channel_closed)
        channel.add_on_cancel_callback(self._on_cancelled)

        def ready() -> None:
            with self._cond:
                self._up = True
                wanted = sorted(self._wanted)
                self._cond.notify_all()
            log.info("connected to RabbitMQ")
            if wanted:
                self._consume(wanted, Future())

        channel.basic_qos(prefetch_count=self.prefetch, callback=lambda _: ready())

    def _queue_steps(self, channel: Channel, queue: str) -> list[Step]:
        """Declare one work queue with its bindings (idempotent)."""
        name = self.physical(queue)
        exchange, key = self._route(queue)
        arguments = {
            "x-queue-type": "quorum",
            "x-dead-letter-exchange": self._x("dead"),
            "x-delivery-limit": self.delivery_limit,
        }
        return [
            lambda cb: channel.queue_declare(name, durable=True, arguments=arguments, callback=cb),
            lambda cb: channel.queue_bind(name, exchange, routing_key=key, callback=cb),
            lambda cb: channel.queue_bind(
                name, self._x("requeue"), routing_key=f"*.{queue}", callback=cb
            ),
        ]

    def _declare_steps(self, channel: Channel, queues: Sequence[str]) -> list[Step]:
        steps: list[Step] = []
        for queue in queues:
            if queue not in self._declared:
                self._declared.add(queue)
                steps += self._queue_steps(channel, queue)
        return steps

    def _publish(self, messages: Sequence[Message], future: Future[None]) -> None:
        channel = self._publisher
        assert channel is not None
        queues = sorted({m.queue for m in messages})

        def write() -> None:
            batch = _Batch(future, len(messages), {m.message_id for m in messages})
            for m in messages:
                exchange, key = self._route(m.queue)
                self._confirms[next(self._tags)] = batch
                channel.basic_publish(
                    exchange, key, m.body, _properties(m.message_id, {}), mandatory=True
                )

        _chain(self._declare_steps(channel, queues), write)

    def _republish(
        self,
        exchange: str,
        key: str,
        message: Message,
        headers: dict[str, Any],
        generation: int,
        tag: int,
        future: Future[None],
    ) -> None:
        """Publish a copy (to a delay queue, the work queue or the dead-letter queue) and ack the
        original once the copy is confirmed."""
        channel = self._publisher
        assert channel is not None

        def write() -> None:
            batch = _Batch(
                future, 1, {message.message_id}, then=lambda: self._settle(generation, tag, None)
            )
            self._confirms[next(self._tags)] = batch
            channel.basic_publish(
                exchange,
                key,
                message.body,
                _properties(message.message_id, headers),
                mandatory=True,
            )

        _chain(self._declare_steps(channel, [message.queue]), write)

    def _on_confirm(self, frame: Any) -> None:
        method = frame.method
        tags = (
            [t for t in self._confirms if t <= method.delivery_tag]
            if method.multiple
            else [method.delivery_tag]
        )
        for tag in tags:
            batch = self._confirms.pop(tag, None)
            if batch is None:
                continue
            batch.nacked |= isinstance(method, Basic.Nack)
            batch.outstanding -= 1
            if batch.outstanding == 0 and not batch.future.done():
                lost = batch.message_ids & self._returned
                self._returned -= batch.message_ids
                if batch.nacked or lost:
                    batch.future.set_exception(
                        TransportUnavailable("RabbitMQ refused (nack) or could not route a message")
                    )
                    continue
                if batch.then is not None:
                    batch.then()
                batch.future.set_result(None)

    def _on_return(
        self, channel: Channel, method: Any, properties: BasicProperties, body: bytes
    ) -> None:
        if properties.message_id:
            self._returned.add(properties.message_id)
        self._declared.clear()  # a queue went missing: declare them again on the next publish

    def _settle(self, generation: int, tag: int, future: Future[None] | None) -> None:
        if generation == self._generation and self._consumer is not None:
            self._consumer.basic_ack(tag)
        if future is not None:
            future.set_result(None)

    def _consume(self, queues: Sequence[str], future: Future[None]) -> None:
        channel = self._consumer
        assert channel is not None
        with self._cond:
            todo = [q for q in queues if q not in self._consuming]
            self._consuming.update(todo)
        steps = self._declare_steps(channel, todo)
        for queue in todo:
            tag = f"{queue}@{next(self._consumer_tags)}"
            self._consumer_queue[tag] = queue
            steps.append(
                lambda cb, q=queue, t=tag: channel.basic_consume(  # type: ignore[misc]
                    self.physical(q), self._on_message, consumer_tag=t, callback=cb
                )
            )

        def done() -> None:
            if not future.done():
                future.set_result(None)

        _chain(steps, done)

    def _on_cancelled(self, frame: Any) -> None:
        """The broker cancelled a consumer (its queue was deleted or moved): the next
        :meth:`receive` that wants the queue subscribes again."""
        queue = self._consumer_queue.pop(frame.method.consumer_tag, None)
        if queue is not None:
            self._declared.discard(queue)
            with self._cond:
                self._consuming.discard(queue)
            log.warning("RabbitMQ cancelled the consumer of %s", queue)

    def _on_message(
        self, channel: Channel, method: Any, properties: BasicProperties, body: bytes
    ) -> None:
        queue = self._consumer_queue.get(method.consumer_tag)
        if queue is None:  # its consumer was cancelled meanwhile: the broker hands it out again
            channel.basic_nack(method.delivery_tag, requeue=True)
            return
        headers = dict(properties.headers or {})
        redelivered = int(headers.get("x-delivery-count", 1 if method.redelivered else 0))
        deliveries = int(headers.get(ATTEMPTS, 0)) + redelivered + 1
        message = Message(queue, body, properties.message_id or f"amqp-{method.delivery_tag}")
        with self._cond:
            self._buffer.setdefault(queue, deque()).append(
                _Buffered(self._generation, method.delivery_tag, message, deliveries, headers)
            )
            self._cond.notify()

    # -- blocking helpers (tools, tests) -------------------------------------------------------

    def _declare_dead_blocking(self, channel: Any) -> None:
        channel.exchange_declare(self._x("dead"), "fanout", durable=True)
        channel.queue_declare(self._x("dead"), durable=True, arguments={"x-queue-type": "quorum"})
        channel.queue_bind(self._x("dead"), self._x("dead"))


def _properties(message_id: str, headers: dict[str, Any]) -> BasicProperties:
    return BasicProperties(
        message_id=message_id,
        delivery_mode=2,
        headers=headers or None,
        content_type="application/json",
    )


def _death_reason(headers: dict[str, Any]) -> str:
    deaths = headers.get("x-death") or []
    if deaths and isinstance(deaths[0], dict):
        return f"broker dead-lettered it: {deaths[0].get('reason')}"
    return ""
