"""The Transport contract, run against every transport: embedded on SQLite, embedded on PostgreSQL,
and RabbitMQ.

At-least-once delivery, settled by ack / retry / dead-letter; a consumer that dies without
settling gets its message handed out again; ordering is not assumed.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest

from gateway.clock import FixedClock
from gateway.store.db import make_engine, upgrade
from gateway.store.uow import Store
from gateway.transport.base import Message, Transport
from gateway.transport.embedded import EmbeddedTransport
from tests.conftest import AMQP_URL

QUEUE = "outbound.000.00.00.G17"
OTHER = "outbound.000.00.00.G18"

Factory = Callable[[], Transport]


@pytest.fixture(params=["embedded-sqlite", "embedded-postgresql", "rabbitmq"])
def connect(request: pytest.FixtureRequest, tmp_path) -> Iterator[Factory]:
    """Makes consumers/publishers of one shared transport backend."""
    made: list[Transport] = []
    if request.param == "rabbitmq":
        from gateway.transport.rabbitmq import RabbitTransport

        prefix = request.getfixturevalue("amqp_prefix")

        def make() -> Transport:
            made.append(RabbitTransport(AMQP_URL, prefix=prefix, prefetch=1, timeout=10))
            return made[-1]

        yield make
    else:
        url = (
            f"sqlite:///{tmp_path / 'gateway.db'}"
            if request.param == "embedded-sqlite"
            else request.getfixturevalue("pg_url")
        )
        engine = make_engine(url)
        upgrade(engine)

        def make() -> Transport:
            made.append(EmbeddedTransport(engine, lease_seconds=1.0, poll_interval=0.01))
            return made[-1]

        yield make
        engine.dispose()
    for transport in made:
        transport.close()


@pytest.fixture
def transport(connect: Factory) -> Transport:
    return connect()


def message(queue: str = QUEUE, body: bytes = b"{}") -> Message:
    return Message(queue, body, str(uuid.uuid4()))


def drain(transport: Transport, queues: list[str], timeout: float = 0.5) -> list[Message]:
    taken = []
    while (received := transport.receive(queues, timeout=timeout)) is not None:
        taken.append(received.message)
        transport.ack(received)
    return taken


def test_a_published_message_is_received_once_and_gone_after_ack(transport):
    sent = message(body=b'{"n": 1}')
    transport.publish([sent])
    received = transport.receive([QUEUE], timeout=2)
    assert received is not None and received.message == sent and received.deliveries == 1
    transport.ack(received)
    assert transport.receive([QUEUE], timeout=0.2) is None


def test_a_consumer_only_gets_messages_from_the_queues_it_asks_for(transport):
    transport.publish([message(OTHER)])
    assert transport.receive([QUEUE], timeout=0.2) is None
    assert transport.receive([OTHER], timeout=1) is not None


def test_a_message_not_settled_by_a_consumer_that_died_is_handed_out_again(connect):
    publisher, dying, survivor = connect(), connect(), connect()
    publisher.publish([message()])
    first = dying.receive([QUEUE], timeout=2)
    assert first is not None
    dying.close()  # ... the consumer dies without settling it
    again = survivor.receive([QUEUE], timeout=5)
    assert again is not None and again.message == first.message and again.deliveries == 2


def test_settling_a_message_whose_ownership_was_lost_does_not_touch_the_new_owners_copy(connect):
    publisher, stale_consumer, fresh_consumer = connect(), connect(), connect()
    publisher.publish([message()])
    stale = stale_consumer.receive([QUEUE], timeout=2)
    assert stale is not None
    stale_consumer.close()
    fresh = fresh_consumer.receive([QUEUE], timeout=5)
    assert fresh is not None and fresh.message == stale.message
    stale_consumer.ack(stale)  # no-op: ownership moved on
    stale_consumer.dead_letter(stale, reason="too late")  # no-op too
    fresh_consumer.retry(fresh, delay=0, reason="still mine")
    assert fresh_consumer.receive([QUEUE], timeout=2) is not None


def test_retry_hands_the_message_out_again_only_after_the_delay(transport):
    transport.publish([message()])
    received = transport.receive([QUEUE], timeout=2)
    transport.retry(received, delay=0.6, reason="agency timeout")
    started = time.monotonic()
    assert transport.receive([QUEUE], timeout=0.2) is None
    again = transport.receive([QUEUE], timeout=3)
    assert again is not None and time.monotonic() - started >= 0.5
    assert again.deliveries == 2 and again.message == received.message


def test_a_dead_lettered_message_is_never_handed_out_again_and_keeps_its_reason(transport):
    sent = message(body=b"not json")
    transport.publish([sent])
    received = transport.receive([QUEUE], timeout=2)
    transport.dead_letter(received, reason="MESSAGE_UNDECODABLE: not json")
    assert transport.receive([QUEUE], timeout=0.3) is None
    dead = transport.dead_letters()
    assert [d.message.message_id for d in dead] == [sent.message_id]
    assert dead[0].reason.startswith("MESSAGE_UNDECODABLE")
    assert dead[0].message.queue == QUEUE and dead[0].message.body == b"not json"


def test_every_published_message_arrives_whatever_the_order(transport):
    sent = [message(QUEUE if i % 2 else OTHER, str(i).encode()) for i in range(40)]
    transport.publish(sent)
    got = drain(transport, [QUEUE, OTHER])
    assert sorted(m.message_id for m in got) == sorted(m.message_id for m in sent)


def test_publishing_nothing_is_allowed(transport):
    transport.publish([])
    assert transport.receive([QUEUE], timeout=0.1) is None


def test_messages_published_as_part_of_a_unit_of_work_arrive_once_it_commits(transport, tmp_path):
    # the embedded queue enqueues in the same transaction (so its store is its own database);
    # a broker publishes at once, the outbox keeping the rows until the commit marks them
    engine = getattr(transport, "engine", None)
    if engine is None:
        engine = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
        upgrade(engine)
    sent = message(body=b'{"n": 2}')
    with Store(engine).unit_of_work() as uow:
        transport.publish_in(uow, [sent])
        uow.commit()
    assert [m.message_id for m in drain(transport, [QUEUE], timeout=2)] == [sent.message_id]


def test_a_dead_letter_says_when_it_died_not_when_it_was_published(transport):
    sent = message(body=b"{}")
    transport.publish([sent])
    received = transport.receive([QUEUE], timeout=2)
    dies_at = datetime.now(UTC)
    if isinstance(transport, EmbeddedTransport):  # its clock can be moved: die an hour later
        dies_at += timedelta(hours=1)
        transport.clock = FixedClock(dies_at)
    transport.dead_letter(received, reason="DELIVERY_PERMANENT: refused")
    (dead,) = transport.dead_letters()
    assert dead.died_at is not None
    assert abs(dead.died_at - dies_at) < timedelta(seconds=2)  # RabbitMQ stamps whole seconds
