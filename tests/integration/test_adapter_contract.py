"""The Adapter port's promises (adapters/base.py), checked the same way for every push kind the
gateway ships — soap against the spyne SOAP simulator, rest against a local HTTP server — and
for an in-memory adapter defined here, which shows what a third-party kind has to keep:

- ``deliver`` sends the exact signed bytes and returns an AdapterResponse carrying the exact bytes
  the agency system answered;
- a transient failure (server error, refused connection, timeout) raises TransientDeliveryError
  and nothing else; a permanent one (4xx, a client fault) raises PermanentDeliveryError;
- ``from_config`` without a required field raises InputInvalid naming the field;
- ``redact`` masks the secret fields and only those;
- ``close`` can be called twice.

Nothing waits on a clock to synchronise: a hanging agency system waits on an event, released at
teardown, longer than the client's short timeout."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from adapters.base import Adapter, AdapterResponse, OutboundDocument
from adapters.registry import AdapterRegistry, DeliveryMode, discover
from adapters.rest import RestAdapter
from adapters.soap import SoapAdapter
from gateway.errors import (
    DeliveryError,
    InputInvalid,
    PermanentDeliveryError,
    TransientDeliveryError,
)
from gateway.runtime.http import BackgroundServer
from gateway.simulator.soap import SoapServer, soap_application

DOCUMENT = OutboundDocument(
    "d-1",
    "000.00.00.G17",
    "000.00.00.G22,2026/01/05,1/VPCP-PAKN",
    "ab" * 32,
    "<edXML>Đơn kiến nghị\r\n  về đất đai</edXML>".encode(),
)
ANSWER = '<Receipt status="received">Đã nhận\r\n</Receipt>'.encode()
CLIENT_TIMEOUT = 0.3
"""Seconds a call may take before it counts as a timeout (the hanging agency waits far longer)."""
HANG_LIMIT = 60.0
"""A hanging agency system gives up by itself after this, should a test forget to release it."""


@dataclass
class Agency:
    """What the agency system answers, whatever carries the call to it."""

    status: int = 200
    """200 = accepted; 4xx = refused (a client fault); 5xx = failing (a server fault)."""
    body: bytes = ANSWER
    hang: bool = False
    """Wait on ``released`` before answering."""
    released: threading.Event = field(default_factory=threading.Event)
    received: list[bytes] = field(default_factory=list)

    def answer(self, document: bytes) -> tuple[int, bytes]:
        self.received.append(document)
        if self.hang:
            self.released.wait(HANG_LIMIT)
        return self.status, self.body


# -- an in-memory kind: the contract without any network ---------------------------------------

MEMORY_AGENCIES: dict[str, Agency] = {}
"""In-memory agency systems by address; an address not listed refuses the call."""


class MemoryAdapter(Adapter):
    kind = "memory"
    secret_fields = frozenset({"token"})
    summary = "an agency system in this process (contract test)"

    def __init__(self, address: str, *, timeout: float) -> None:
        self.address = address
        self.timeout = timeout
        self.closed = False

    @classmethod
    def from_config(cls, config: Mapping[str, Any], *, timeout: float) -> MemoryAdapter:
        address = config.get("address")
        if not isinstance(address, str) or not address:
            raise InputInvalid("memory adapter: 'address' is required")
        return cls(address, timeout=float(config.get("timeout", timeout)))

    def deliver(self, document: OutboundDocument) -> AdapterResponse:
        if self.closed:
            raise TransientDeliveryError(f"memory adapter for {self.address} is closed")
        agency = MEMORY_AGENCIES.get(self.address)
        if agency is None:
            raise TransientDeliveryError(f"cannot reach {self.address}: refused")
        if agency.hang and not agency.released.wait(self.timeout):
            raise TransientDeliveryError(f"timeout after {self.timeout:g} s calling {self.address}")
        status, body = agency.answer(document.body)
        if status == 200:
            return AdapterResponse("MEMORY 200", body, "application/xml")
        reason = f"{self.address} answered {status}"
        if status == 429 or status >= 500:
            raise TransientDeliveryError(reason)
        raise PermanentDeliveryError(reason)

    def close(self) -> None:
        self.closed = True


# -- how each kind reaches the scripted agency -------------------------------------------------


@dataclass(frozen=True)
class Harness:
    name: str
    adapter_class: type[Adapter]
    config: dict[str, Any]
    """A configuration that reaches the agency system."""
    refused: dict[str, Any]
    """A configuration whose calls are refused (nothing listens there)."""
    required: tuple[str, ...]
    secrets: dict[str, Any]
    """A configuration with every secret field set, and other fields (only redacted)."""

    def build(self, config: Mapping[str, Any]) -> Adapter:
        return self.adapter_class.from_config(config, timeout=CLIENT_TIMEOUT)


@pytest.fixture
def agency() -> Agency:
    return Agency()


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A port that refuses connections: bound, never listening."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    yield sock.getsockname()[1]
    sock.close()


def soap_harness(agency: Agency, tmp_path: Path, closed_port: int) -> Iterator[Harness]:
    def receive(document: bytes) -> tuple[int, bytes, str]:
        status, body = agency.answer(document)
        return status, body, "application/xml"

    server = SoapServer(soap_application(receive)).start()
    try:
        # the same service description, its address moved to a port where nothing listens: the
        # WSDL loads and the call itself is refused
        wsdl = httpx.get(server.wsdl_url, timeout=10).text
        moved = tmp_path / "refused.wsdl"
        moved.write_text(wsdl.replace(server.url, f"http://127.0.0.1:{closed_port}/"))
        config = {
            "wsdl": server.wsdl_url,
            "operation": "ReceiveEdxmlBase64",
            "encoding": "base64",
            "timeout": CLIENT_TIMEOUT,
            "wsdl_timeout": 60,  # spyne builds its WSDL slowly on a loaded machine
        }
        yield Harness(
            "soap",
            SoapAdapter,
            config,
            {**config, "wsdl": str(moved)},
            ("wsdl", "operation"),
            {**config, "auth": "wsse", "username": "vpcp", "password": "s3cr3t"},
        )
    finally:
        agency.released.set()
        server.stop()


def rest_harness(agency: Agency, closed_port: int) -> Iterator[Harness]:
    app = FastAPI()

    @app.post("/edxml")
    async def edxml(request: Request) -> Response:
        status, body = await run_in_threadpool(agency.answer, await request.body())
        return Response(body, status_code=status, media_type="application/xml")

    server = BackgroundServer(app, "127.0.0.1", 0, name="contract rest agency").start()
    try:
        config = {"url": f"{server.url}/edxml", "timeout": CLIENT_TIMEOUT}
        yield Harness(
            "rest",
            RestAdapter,
            config,
            {**config, "url": f"http://127.0.0.1:{closed_port}/edxml"},
            ("url",),
            {**config, "bearer_token": "t0ken", "username": "vpcp", "password": "pw"},
        )
    finally:
        agency.released.set()
        server.stop()


def memory_harness(agency: Agency) -> Iterator[Harness]:
    MEMORY_AGENCIES["agency-g17"] = agency
    try:
        config = {"address": "agency-g17", "timeout": CLIENT_TIMEOUT}
        yield Harness(
            "memory",
            MemoryAdapter,
            config,
            {**config, "address": "nowhere"},
            ("address",),
            {**config, "token": "t0ken"},
        )
    finally:
        agency.released.set()
        MEMORY_AGENCIES.clear()


SHIPPED_PUSH_KINDS = ("soap", "rest")


@pytest.fixture(params=[*SHIPPED_PUSH_KINDS, "memory"])
def harness(request, agency, tmp_path, closed_port) -> Iterator[Harness]:
    if request.param == "soap":
        yield from soap_harness(agency, tmp_path, closed_port)
    elif request.param == "rest":
        yield from rest_harness(agency, closed_port)
    else:
        yield from memory_harness(agency)


@pytest.fixture
def build(harness) -> Iterator[Callable[..., Adapter]]:
    """Build adapters of the kind under test (closed after the test)."""
    built: list[Adapter] = []

    def make(config: Mapping[str, Any] | None = None) -> Adapter:
        adapter = harness.build(harness.config if config is None else config)
        built.append(adapter)
        return adapter

    yield make
    for adapter in built:
        adapter.close()


def failure_of(adapter: Adapter) -> DeliveryError:
    """The error ``deliver`` raised: a delivery error, and never anything else."""
    try:
        adapter.deliver(DOCUMENT)
    except DeliveryError as e:
        print(f"{type(e).__name__}: {e.message}")  # shown when a test fails
        return e
    except Exception as e:  # the port promises never to raise anything else
        pytest.fail(f"deliver raised {type(e).__name__}: {e}")
    pytest.fail("deliver returned on a failure")


# -- the contract ------------------------------------------------------------------------------


def test_deliver_sends_the_exact_bytes_and_returns_the_exact_answer(harness, agency, build):
    response = build().deliver(DOCUMENT)
    assert isinstance(response, AdapterResponse)
    assert response.body == ANSWER
    assert response.status
    assert agency.received == [DOCUMENT.body]


@pytest.mark.parametrize("status", [500, 503])
def test_a_server_error_is_transient(harness, agency, build, status):
    agency.status, agency.body = status, b"temporarily unavailable"
    assert type(failure_of(build())) is TransientDeliveryError


def test_a_refused_connection_is_transient(harness, build):
    assert type(failure_of(build(harness.refused))) is TransientDeliveryError


def test_a_call_that_outlasts_the_timeout_is_transient(harness, agency, build):
    agency.hang = True
    assert type(failure_of(build())) is TransientDeliveryError


@pytest.mark.parametrize("status", [400, 403])
def test_a_refusal_by_the_agency_system_is_permanent(harness, agency, build, status):
    agency.status, agency.body = status, b"this document is refused"
    assert type(failure_of(build())) is PermanentDeliveryError


def test_a_configuration_without_a_required_field_is_refused_naming_it(harness):
    for name in harness.required:
        config = {k: v for k, v in harness.config.items() if k != name}
        with pytest.raises(InputInvalid) as refused:
            harness.build(config)
        assert repr(name) in refused.value.message or name in refused.value.message


def test_redact_masks_the_secret_fields_and_only_those(harness):
    secret = harness.adapter_class.secret_fields
    assert secret and secret <= set(harness.secrets)
    shown = harness.adapter_class.redact(harness.secrets)
    assert set(shown) == set(harness.secrets)
    for key, value in harness.secrets.items():
        if key in secret:
            assert shown[key] != value and str(value) not in str(shown[key])
        else:
            assert shown[key] == value


def test_close_can_be_called_twice_after_use(harness, build):
    adapter = build()
    adapter.deliver(DOCUMENT)
    adapter.close()
    adapter.close()
    unused = build()
    unused.close()
    unused.close()


def test_every_shipped_push_kind_is_held_to_this_contract_and_pull_is_no_adapter():
    kinds = discover()
    shipped = {
        k.name
        for k in kinds.values()
        if k.target.startswith("adapters.") and k.mode is DeliveryMode.PUSH
    }
    assert shipped == set(SHIPPED_PUSH_KINDS)
    pull = kinds["pull"]
    assert pull.mode is DeliveryMode.INBOX and pull.adapter is None and not pull.broken
    registry = AdapterRegistry(kinds)
    assert registry.is_inbox("pull") and not registry.is_inbox("rest")
    with pytest.raises(InputInvalid, match="inbox"):
        registry.build("pull", {})
