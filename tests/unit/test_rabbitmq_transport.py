"""The RabbitMQ transport's pure parts, and selecting it — without a broker."""

from __future__ import annotations

import pytest

from gateway.bootstrap import make_transport
from gateway.config import Settings
from gateway.errors import ConfigurationError
from gateway.transport.embedded import EmbeddedTransport
from gateway.transport.rabbitmq import DELAY_TIERS_MS, RabbitTransport, delay_tier


@pytest.mark.parametrize(
    ("seconds", "tier"),
    [
        (0.01, 50),
        (0.05, 50),
        (0.051, 100),
        (0.6, 1_000),
        (1.0, 1_000),
        (3, 5_000),
        (300, 300_000),
        (301, 600_000),
        (10_000, 3_600_000),
    ],
)
def test_a_retry_waits_in_the_shortest_delay_queue_not_shorter_than_its_delay(seconds, tier):
    assert delay_tier(seconds) == tier


def test_delay_tiers_grow_strictly():
    assert list(DELAY_TIERS_MS) == sorted(set(DELAY_TIERS_MS))


def test_an_amqp_url_selects_rabbitmq_without_connecting(tmp_path):
    settings = Settings(
        home=tmp_path,
        broker_url="amqp://guest:guest@127.0.0.1:1/%2F",
        broker_prefix="x",
        broker_prefetch=7,
        broker_heartbeat=11,
    )
    transport = make_transport(settings, store=None)  # type: ignore[arg-type]
    assert isinstance(transport, RabbitTransport)
    assert transport.prefetch == 7 and transport.params.heartbeat == 11
    assert transport._thread is None  # nothing happens until it is used
    transport.close()


def test_the_embedded_transport_stays_the_default(tmp_path):
    from gateway.store.db import make_engine
    from gateway.store.uow import Store

    store = Store(make_engine(f"sqlite:///{tmp_path / 'g.db'}"))
    assert isinstance(make_transport(Settings(home=tmp_path), store), EmbeddedTransport)
    store.dispose()


def test_an_unknown_broker_url_is_a_configuration_error(tmp_path):
    with pytest.raises(ConfigurationError):
        make_transport(Settings(home=tmp_path, broker_url="kafka://x"), store=None)  # type: ignore[arg-type]


def test_broker_settings_come_from_the_environment():
    settings = Settings.from_env(
        {
            "GATEWAY_BROKER_URL": "amqp://h/",
            "GATEWAY_BROKER_PREFIX": "p",
            "GATEWAY_BROKER_PREFETCH": "3",
            "GATEWAY_BROKER_HEARTBEAT": "9",
        }
    )
    assert (
        settings.broker_url,
        settings.broker_prefix,
        settings.broker_prefetch,
        settings.broker_heartbeat,
    ) == ("amqp://h/", "p", 3, 9)
    with pytest.raises(ConfigurationError):
        Settings.from_env({"GATEWAY_BROKER_PREFETCH": "0"})


def test_queues_route_by_organ_id_on_the_outbound_exchange():
    transport = RabbitTransport("amqp://guest:guest@127.0.0.1:1/%2F", prefix="pakn")
    assert transport._route("outbound.000.00.00.G17") == ("pakn.outbound", "000.00.00.G17")
    assert transport._route("inbound") == ("pakn.direct", "inbound")
    assert transport.physical("outbound.000.00.00.G17") == "pakn.outbound.000.00.00.G17"


def test_a_dead_letter_names_the_delivery_its_message_was_about():
    from gateway.service.dead_letters import _delivery_id

    assert _delivery_id(b'{"type": "deliver", "delivery_id": "d-1"}') == "d-1"
    assert _delivery_id(b"\xff not json") is None and _delivery_id(b"[1]") is None
