"""The whole gateway (API, relay, workers, simulated agencies) on RabbitMQ and PostgreSQL:
petitions flow, agencies fail in the ways real ones do, dead letters are recorded and replayed."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import httpx
import pika
import pytest
from click.testing import CliRunner

from gateway.cli import main
from gateway.config import Settings
from gateway.runtime.demo import sample_petition
from gateway.service import dead_letters
from gateway.simulator.agency import Behaviour
from gateway.transport.base import Message, outbound_queue
from gateway.transport.rabbitmq import RabbitTransport
from tests.conftest import AMQP_URL
from tests.helpers import query, wait_until
from tests.integration.test_petition_flow import replied, simulator, submit

G17, G18 = "000.00.00.G17", "000.00.00.G18"


@pytest.fixture
def rabbit_settings(settings: Settings, pg_url: str, amqp_prefix: str) -> Settings:
    return settings.with_(
        database_url=pg_url, broker_url=AMQP_URL, broker_prefix=amqp_prefix, worker_threads=4
    )


@pytest.fixture
def gateway_settings(rabbit_settings: Settings, request: pytest.FixtureRequest) -> Settings:
    """A test changes settings for its gateway by indirect parametrization with a dict."""
    return rabbit_settings.with_(**getattr(request, "param", {}))


def delivery_of(api: httpx.Client, petition_id: str) -> dict[str, Any]:
    return api.get(f"/v1/petitions/{petition_id}").json()["cases"][0]["deliveries"][0]


def cli(settings: Settings, *args: str) -> str:
    env = {
        "GATEWAY_HOME": str(settings.home),
        "GATEWAY_DATABASE_URL": settings.database_url,
        "GATEWAY_PKI_DIR": str(settings.pki_path),
    }
    result = CliRunner().invoke(main, list(args), env=env)
    assert result.exit_code == 0, result.output
    return result.output


def test_a_petition_travels_to_its_signed_reply_over_rabbitmq(gateway, api):
    petition = submit(api, 0)
    view = wait_until(lambda: replied(api, petition["id"]), what="the reply")
    assert view["cases"][0]["deliveries"][0]["state"] == "delivered"
    with gateway.svc.store.unit_of_work() as uow:
        assert uow.outbox.pending_count() == 0


@pytest.mark.parametrize("gateway_settings", [{"max_attempts": 5}], indirect=True)
def test_an_agency_down_for_a_while_gets_it_after_retries_with_growing_delays(gateway, api):
    sim = simulator(gateway, G18)
    sim.requests = 0
    sim.behaviour = Behaviour(delay=0.02, fail_first=2)
    petition = submit(api, 1)
    view = wait_until(lambda: replied(api, petition["id"]), what="the reply")
    assert view["cases"][0]["deliveries"][0]["attempts"] == 3
    with gateway.svc.store.unit_of_work() as uow:
        delays = [
            e.details["delay_s"]
            for e in uow.audit.for_petition(petition["id"])
            if e.action == "delivery.retrying"
        ]
    if not delays:  # retries are recorded against the case, not the petition
        rows = query(
            gateway.svc.store.engine,
            "SELECT details FROM audit_events WHERE action = 'delivery.retrying' ORDER BY seq",
        )
        delays = [(r[0] if isinstance(r[0], dict) else json.loads(r[0]))["delay_s"] for r in rows]
    assert len(delays) == 2
    # base 0.05 s, full jitter in the upper half: attempt 2 waits in [0.05, 0.1], attempt 1 in
    # [0.025, 0.05]
    assert delays[0] <= 0.05 <= delays[1]


def test_an_agency_answering_4xx_fails_with_a_dead_letter_that_the_cli_replays(
    gateway, api, rabbit_settings
):
    sim = simulator(gateway, G17)
    sim.behaviour = Behaviour(reject_all=True)
    petition = submit(api, 0)
    delivery = wait_until(
        lambda: (d := delivery_of(api, petition["id"]))["state"] == "failed" and d,
        what="the delivery to fail",
    )
    assert delivery["failure_code"] == "DELIVERY_PERMANENT" and "HTTP 400" in delivery["last_error"]
    listed = json.loads(cli(rabbit_settings, "dlq", "list", "--json"))
    assert [d["delivery_id"] for d in listed] == [delivery["delivery_id"]]
    assert listed[0]["code"] == "DELIVERY_PERMANENT"
    shown = json.loads(cli(rabbit_settings, "dlq", "show", str(listed[0]["id"])))
    assert "HTTP 400" in shown["reason"]
    # RabbitMQ's dead-letter queue holds the copy too
    broker_dead = RabbitTransport(AMQP_URL, prefix=rabbit_settings.broker_prefix)
    try:
        assert any(
            d.message.message_id == listed[0]["message_id"] for d in broker_dead.dead_letters()
        )
    finally:
        broker_dead.close()

    sim.behaviour = Behaviour(delay=0.02)  # the agency fixed its system
    out = cli(rabbit_settings, "dlq", "replay", str(listed[0]["id"]))
    assert "replayed as message" in out
    wait_until(lambda: replied(api, petition["id"]), what="the reply after the replay")
    assert json.loads(cli(rabbit_settings, "dlq", "list", "--json")) == []
    actions = [
        r[0]
        for r in query(gateway.svc.store.engine, "SELECT action FROM audit_events ORDER BY seq")
    ]
    assert "dead_letter.replayed" in actions


def test_replaying_twice_is_a_conflict_with_a_clear_error(gateway, api, rabbit_settings):
    simulator(gateway, G17).behaviour = Behaviour(reject_all=True)
    petition = submit(api, 0)
    wait_until(lambda: delivery_of(api, petition["id"])["state"] == "failed", what="failure")
    record = wait_until(lambda: dead_letters.listing(gateway.svc), what="the dead letter")[0]
    dead_letters.replay(gateway.svc, record.id)
    result = CliRunner().invoke(
        main,
        ["dlq", "replay", str(record.id)],
        env={
            "GATEWAY_HOME": str(rabbit_settings.home),
            "GATEWAY_DATABASE_URL": rabbit_settings.database_url,
            "GATEWAY_PKI_DIR": str(rabbit_settings.pki_path),
        },
    )
    assert result.exit_code == 1
    assert result.output.startswith("error: CONFLICT: ")
    missing = CliRunner().invoke(
        main,
        ["dlq", "show", "999999"],
        env={
            "GATEWAY_DATABASE_URL": rabbit_settings.database_url,
            "GATEWAY_HOME": str(rabbit_settings.home),
        },
    )
    assert missing.exit_code == 1 and "NOT_FOUND" in missing.output


def test_a_poison_message_goes_straight_to_the_dead_letters_and_the_worker_keeps_going(
    gateway, api, rabbit_settings
):
    poison = Message(outbound_queue(G17), b"\xff not json", str(uuid.uuid4()))
    publisher = RabbitTransport(AMQP_URL, prefix=rabbit_settings.broker_prefix)
    try:
        publisher.publish([poison])
    finally:
        publisher.close()
    record = wait_until(
        lambda: [d for d in dead_letters.listing(gateway.svc) if d.message_id == poison.message_id],
        what="the dead letter",
    )
    assert record[0].code == "MESSAGE_UNDECODABLE" and record[0].body == poison.body
    petition = submit(api, 0)
    wait_until(lambda: replied(api, petition["id"]), what="a reply after the poison")


def test_an_agency_taking_seconds_per_call_does_not_hold_up_the_others(gateway, api):
    simulator(gateway, G17).behaviour = Behaviour(delay=0.02, latency=5.0)
    to_g17 = [i for i in range(40) if sample_petition(i)["route_to"] == [G17]]
    to_g18 = [i for i in range(40) if sample_petition(i)["route_to"] == [G18]]
    slow = [submit(api, i) for i in to_g17[:4]]  # as many as the worker's threads
    wait_until(
        lambda: delivery_of(api, slow[0]["id"])["state"] == "sending", what="a slow call in flight"
    )
    started = time.monotonic()
    fast = [submit(api, i) for i in to_g18[:3]]
    for petition in fast:
        wait_until(
            lambda p=petition: delivery_of(api, p["id"])["state"] == "delivered",
            timeout=10,
            what="the fast agency's delivery",
        )
    # had they waited behind the slow agency, they would have needed a 5 s call to end first
    assert time.monotonic() - started < 4.0
    assert delivery_of(api, slow[0]["id"])["state"] == "sending"
    for petition in slow:
        wait_until(lambda p=petition: replied(api, p["id"]), timeout=60, what="slow reply")


def test_a_broker_that_is_down_is_transport_unavailable_not_a_hang():
    from gateway.errors import TransportUnavailable
    from gateway.transport.base import Message

    transport = RabbitTransport("amqp://guest:guest@127.0.0.1:1/%2F", timeout=1)
    try:
        with pytest.raises(TransportUnavailable):
            transport.publish([Message("outbound.x", b"{}", "m")])
        with pytest.raises(TransportUnavailable):
            transport.receive(["outbound.x"], timeout=0.2)
    finally:
        transport.close()


def test_a_message_that_keeps_killing_its_consumer_is_dead_lettered_by_the_broker(amqp_prefix):
    publisher = RabbitTransport(AMQP_URL, prefix=amqp_prefix, delivery_limit=3)
    poison = Message(outbound_queue(G17), b'{"type": "deliver"}', str(uuid.uuid4()))
    try:
        publisher.publish([poison])
        for _ in range(4):  # handed out, then its consumer dies without settling it
            consumer = RabbitTransport(AMQP_URL, prefix=amqp_prefix, delivery_limit=3)
            received = consumer.receive([outbound_queue(G17)], timeout=5)
            consumer.close()
            if received is None:
                break
        dead = wait_until(publisher.dead_letters, timeout=10, what="the broker's dead letter")
        assert [d.message.message_id for d in dead] == [poison.message_id]
        assert "delivery_limit" in dead[0].reason
    finally:
        publisher.close()


def test_a_handler_holding_a_message_past_several_heartbeats_keeps_its_connection(amqp_prefix):
    """Heartbeats are answered by the transport's I/O thread, not by the thread that holds the
    message: a delivery taking longer than the heartbeat timeout is acked on the same connection
    (were the heartbeat missed, the broker would close it and hand the message out again)."""
    transport = RabbitTransport(AMQP_URL, prefix=amqp_prefix, heartbeat=1)
    message = Message(outbound_queue(G17), b'{"type": "deliver"}', str(uuid.uuid4()))
    try:
        transport.publish([message])
        received = transport.receive([outbound_queue(G17)], timeout=5)
        assert received is not None and received.deliveries == 1
        time.sleep(4.5)  # the broker drops a connection after two missed 1 s heartbeats
        transport.ack(received)
        assert transport.receive([outbound_queue(G17)], timeout=3) is None
    finally:
        transport.close()


def test_a_consumer_the_broker_cancels_subscribes_again(amqp_prefix):
    """An agency queue deleted under a running worker (an operator's mistake, a queue moved):
    the broker cancels the consumer; the next receive declares the queue again and consumes."""
    transport = RabbitTransport(AMQP_URL, prefix=amqp_prefix)
    queue = outbound_queue(G17)
    first = Message(queue, b'{"type": "deliver"}', str(uuid.uuid4()))
    again = Message(queue, b'{"type": "deliver"}', str(uuid.uuid4()))
    try:
        transport.publish([first])
        received = transport.receive([queue], timeout=5)
        assert received is not None and received.message.message_id == first.message_id
        transport.ack(received)
        admin = pika.BlockingConnection(pika.URLParameters(AMQP_URL))
        try:
            admin.channel().queue_delete(transport.physical(queue))
        finally:
            admin.close()
        time.sleep(0.5)  # the cancel notification reaches the transport
        assert transport.receive([queue], timeout=1) is None  # subscribes again
        transport.publish([again])
        received = transport.receive([queue], timeout=5)
        assert received is not None and received.message.message_id == again.message_id
        transport.ack(received)
    finally:
        transport.close()
