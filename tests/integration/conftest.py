"""A running gateway (API, relay, workers) with two simulated agencies, on each database."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from gateway.config import Settings
from gateway.runtime.up import Running, start
from tests.conftest import OPERATOR
from tests.helpers import no_server_errors


@pytest.fixture
def gateway_settings(settings: Settings, db_url: str) -> Settings:
    """What the `gateway` fixture runs on (a module may override it, e.g. for RabbitMQ)."""
    return settings.with_(database_url=db_url)


@pytest.fixture
def gateway(gateway_settings: Settings) -> Iterator[Running]:
    running = start(
        gateway_settings, with_demo=True, petitions=None, agency_delay=0.02, demo_ports=False
    )
    try:
        yield running
    finally:
        running.shutdown()


@pytest.fixture
def api(gateway: Running) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=gateway.api.url,
        timeout=10,
        headers=OPERATOR,
        event_hooks={"response": [no_server_errors]},
    ) as client:
        yield client
