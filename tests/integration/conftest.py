"""Services and a running gateway (API, relay, workers, two simulated agencies), on each
database: one factory for services (``make_services``), one ``svc`` built from it."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest

from gateway.bootstrap import bootstrap
from gateway.clock import Clock
from gateway.config import Settings
from gateway.runtime.up import Running, start
from gateway.service.admin import add_agency
from gateway.service.services import Services
from tests.conftest import OPERATOR
from tests.helpers import no_server_errors

MakeServices = Callable[..., Services]


@pytest.fixture
def make_services(settings: Settings, db_url: str) -> Iterator[MakeServices]:
    """``make_services(agencies=((organ_id, name), …), clock=…, **setting_changes)``: services
    on the test's database, closed when the test ends."""
    made: list[Services] = []

    def make(
        *,
        agencies: tuple[tuple[str, str], ...] = (),
        clock: Clock | None = None,
        **changes: object,
    ) -> Services:
        services = bootstrap(settings.with_(database_url=db_url, **changes), clock=clock)
        made.append(services)
        for organ_id, name in agencies:
            add_agency(services, organ_id, name)
        return services

    yield make
    for services in made:
        services.close()


@pytest.fixture
def svc(make_services: MakeServices) -> Services:
    return make_services()


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
