"""The Transport contract, run against every transport (embedded on SQLite and on PostgreSQL).

At-least-once delivery, settled by ack / retry / dead-letter; a consumer that dies without
settling gets its message handed out again; ordering is not assumed.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import pytest

from gateway.store.db import make_engine, upgrade
from gateway.transport.base import Message, Transport
from gateway.transport.embedded import EmbeddedTransport

QUEUE = "outbound.000.00.00.G17"
OTHER = "outbound.000.00.00.G18"


@pytest.fixture
def transport(db_url: str) -> Iterator[Transport]:
    engine = make_engine(db_url)
    upgrade(engine)
    t = EmbeddedTransport(engine, lease_seconds=1.0, poll_interval=0.01)
    yield t
    t.close()
    engine.dispose()


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


def test_a_message_not_settled_by_a_dead_consumer_is_handed_out_again_after_its_lease(transport):
    transport.publish([message()])
    first = transport.receive([QUEUE], timeout=1)
    assert first is not None  # ... and the consumer dies without settling it
    assert transport.receive([QUEUE], timeout=0.2) is None  # still leased
    again = transport.receive([QUEUE], timeout=3)
    assert again is not None and again.message == first.message and again.deliveries == 2


def test_acking_a_message_whose_lease_was_lost_does_not_remove_the_new_owners_copy(transport):
    transport.publish([message()])
    stale = transport.receive([QUEUE], timeout=1)
    fresh = transport.receive([QUEUE], timeout=3)
    assert stale is not None and fresh is not None
    transport.ack(stale)  # no-op: ownership moved on
    transport.retry(fresh, delay=0, reason="still mine")
    assert transport.receive([QUEUE], timeout=1) is not None


def test_retry_hands_the_message_out_again_only_after_the_delay(transport):
    transport.publish([message()])
    received = transport.receive([QUEUE], timeout=1)
    transport.retry(received, delay=0.6, reason="agency timeout")
    started = time.monotonic()
    assert transport.receive([QUEUE], timeout=0.2) is None
    again = transport.receive([QUEUE], timeout=3)
    assert again is not None and time.monotonic() - started >= 0.5
    assert again.deliveries == 2


def test_a_dead_lettered_message_is_never_handed_out_again_and_keeps_its_reason(transport):
    sent = message(body=b"not json")
    transport.publish([sent])
    received = transport.receive([QUEUE], timeout=1)
    transport.dead_letter(received, reason="MESSAGE_UNDECODABLE: not json")
    assert transport.receive([QUEUE], timeout=0.3) is None
    dead = transport.dead_letters()
    assert [d.message.message_id for d in dead] == [sent.message_id]
    assert dead[0].reason.startswith("MESSAGE_UNDECODABLE")


def test_every_published_message_arrives_whatever_the_order(transport):
    sent = [message(QUEUE if i % 2 else OTHER, str(i).encode()) for i in range(40)]
    transport.publish(sent)
    got = drain(transport, [QUEUE, OTHER])
    assert sorted(m.message_id for m in got) == sorted(m.message_id for m in sent)
