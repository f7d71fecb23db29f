"""The soap adapter against a real SOAP server built with spyne (an independent implementation
that publishes its own WSDL), through the real delivery use case, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from gateway.clock import FixedClock
from gateway.domain.circuit import CircuitState
from gateway.domain.delivery import DeliveryState
from gateway.service import dead_letters
from gateway.service.adapters import add
from gateway.service.delivery import Settle
from gateway.simulator.agency import Behaviour
from gateway.simulator.soap import SoapServer, soap_application
from gateway.store.tables import audit_events
from tests.conftest import AGENCY_A, AGENCY_B
from tests.helpers import query
from tests.integration.adapter_support import (
    routed_delivery,
    run_delivery,
    simulated_agency,
)

G17 = AGENCY_A[0]


@pytest.fixture
def svc(make_services):
    return make_services(agencies=(AGENCY_A, AGENCY_B))


def soap_agency(
    pki_dir, tmp_path, *, behaviour=None, slow: float = 0.0, calls: list[float] | None = None
) -> Iterator[SoapServer]:
    simulator = simulated_agency(pki_dir, tmp_path, G17, behaviour)

    def receive(body: bytes):
        if calls is not None:
            calls.append(time.monotonic())
        time.sleep(slow)
        return simulator.receive(body)

    server = SoapServer(soap_application(receive)).start()
    try:
        yield server
    finally:
        server.stop()
        simulator.close()


@pytest.fixture
def agency(pki_dir, tmp_path):
    yield from soap_agency(pki_dir, tmp_path)


def soap_config(server: SoapServer, **extra: object) -> dict[str, object]:
    return {
        "wsdl": server.wsdl_url,
        "operation": "ReceiveEdxmlBase64",
        "encoding": "base64",
        "status_operation": "GetStatus",
        # loading the WSDL is not what these tests time: spyne builds it slowly on a loaded machine
        "wsdl_timeout": 60,
        **extra,
    }


def exchanges(svc, delivery_id):
    with svc.store.unit_of_work() as uow:
        return uow.exchanges.for_delivery(delivery_id)


def test_a_transfer_delivered_over_soap_is_acknowledged_by_a_signed_receipt(svc, agency):
    add(svc, G17, "soap", soap_config(agency), enabled=True)
    delivery = routed_delivery(svc)
    result, after = run_delivery(svc, delivery)
    assert result.settle is Settle.ACK
    assert after.state is DeliveryState.DELIVERED
    evidence_id = query(svc.store.engine, "SELECT evidence_document_id FROM deliveries")[0][0]
    with svc.store.unit_of_work() as uow:
        receipt = uow.documents.get(evidence_id)
    assert receipt is not None and receipt.kind == "receipt" and receipt.sender == G17


def test_the_exact_soap_envelopes_are_kept_as_evidence(svc, agency):
    add(svc, G17, "soap", soap_config(agency), enabled=True)
    delivery = routed_delivery(svc)
    run_delivery(svc, delivery)
    [exchange] = exchanges(svc, delivery.delivery_id)
    assert exchange.outcome == "delivered" and exchange.adapter_kind == "soap"
    assert b"ReceiveEdxmlBase64" in exchange.request and b"Envelope" in exchange.request
    assert exchange.response is not None and b"ReceiveEdxmlBase64Response" in exchange.response


def test_the_edxml_can_be_passed_as_a_string_parameter_too(svc, agency):
    add(
        svc,
        G17,
        "soap",
        soap_config(agency, operation="ReceiveEdxml", encoding="string"),
        enabled=True,
    )
    result, after = run_delivery(svc, routed_delivery(svc))
    assert (result.settle, after.state) == (Settle.ACK, DeliveryState.DELIVERED)


def test_a_soap_client_fault_fails_the_delivery_permanently_with_the_fault_kept(
    svc, pki_dir, tmp_path
):
    for server in soap_agency(pki_dir, tmp_path, behaviour=Behaviour(reject_all=True)):
        add(svc, G17, "soap", soap_config(server), enabled=True)
        delivery = routed_delivery(svc)
        result, after = run_delivery(svc, delivery)
        assert result.settle is Settle.DEAD
        assert after.state is DeliveryState.FAILED and after.failure_code == "DELIVERY_PERMANENT"
        assert "SOAP fault" in (after.last_error or "") and "Client" in (after.last_error or "")
        [exchange] = exchanges(svc, delivery.delivery_id)
        assert exchange.outcome == "permanent" and b"Fault" in (exchange.response or b"")
        # committed with the FAILED state, before the worker tells the broker: a crash in
        # between cannot leave a failure that `gateway dlq list` misses
        [dead] = dead_letters.listing(svc)
        assert (dead.delivery_id, dead.code) == (delivery.delivery_id, "DELIVERY_PERMANENT")


def test_a_soap_server_fault_is_retried(svc, pki_dir, tmp_path):
    for server in soap_agency(pki_dir, tmp_path, behaviour=Behaviour(fail_first=1)):
        add(svc, G17, "soap", soap_config(server), enabled=True)
        delivery = routed_delivery(svc)
        result, after = run_delivery(svc, delivery)
        assert (result.settle, after.state) == (Settle.RETRY, DeliveryState.RETRYING)
        assert "soap11env:Server" in (after.last_error or "")
        result, after = run_delivery(svc, delivery)
        assert (result.settle, after.state) == (Settle.ACK, DeliveryState.DELIVERED)


def test_a_soap_call_that_times_out_is_retried_later(svc, pki_dir, tmp_path):
    for server in soap_agency(pki_dir, tmp_path, slow=1.5):
        add(svc, G17, "soap", soap_config(server, timeout=0.5), enabled=True)
        result, after = run_delivery(svc, routed_delivery(svc))
        assert (result.settle, after.state) == (Settle.RETRY, DeliveryState.RETRYING)
        assert "timeout after 0.5 s" in (after.last_error or "")


def test_repeated_timeouts_open_the_circuit_and_keep_the_messages_queued(svc, pki_dir, tmp_path):
    calls: list[float] = []
    for server in soap_agency(pki_dir, tmp_path, slow=1.0, calls=calls):
        adapter_id = add(
            svc,
            G17,
            "soap",
            soap_config(server, timeout=0.3, breaker_failures=2, breaker_cooldown=60),
            enabled=True,
        ).adapter_id
        first, second, third = (routed_delivery(svc, i=i) for i in (1, 2, 3))
        run_delivery(svc, first)
        run_delivery(svc, second)
        with svc.store.unit_of_work() as uow:
            circuit = uow.circuits.get(adapter_id)
        assert circuit.state is CircuitState.OPEN and circuit.failures == 2
        assert len(calls) == 2
        result, after = run_delivery(svc, third)
        assert len(calls) == 2  # the agency was not called
        assert result.settle is Settle.RETRY and "circuit open" in result.reason
        assert after.state is DeliveryState.QUEUED and after.attempts == 0
        listing = subprocess.run(  # another process sees the open circuit
            [str(Path(sys.executable).parent / "gateway"), "adapter", "list"],
            env={
                **os.environ,
                "GATEWAY_DATABASE_URL": svc.settings.db_url,
                "GATEWAY_HOME": str(svc.settings.home),
                "GATEWAY_PKI_DIR": str(svc.settings.pki_path),
            },
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout
        assert "circuit open until" in listing


def test_the_status_operation_can_be_polled(svc, agency):
    adapter = svc.adapters.build("soap", soap_config(agency))
    try:
        assert adapter.poll_status("000.00.00.G22,2026/01/05,1/VPCP-PAKN") == "unknown"
    finally:
        adapter.close()


def test_a_running_gateway_picks_up_edits_and_disabling_without_a_restart(svc, agency):
    from gateway.service import adapters

    add(
        svc,
        G17,
        "soap",
        soap_config(agency, operation="ReceiveEdxml", encoding="string"),
        enabled=True,
    )
    first = routed_delivery(svc, i=1)
    run_delivery(svc, first)
    record = adapters.resolve(svc, G17)
    adapters.edit(svc, record, {"operation": "ReceiveEdxmlBase64", "encoding": "base64"})
    second = routed_delivery(svc, i=2)
    _, after = run_delivery(svc, second)
    assert after.state is DeliveryState.DELIVERED
    assert b"ReceiveEdxmlBase64" in exchanges(svc, second.delivery_id)[0].request
    adapters.set_enabled(svc, adapters.resolve(svc, G17), False)
    result, after = run_delivery(svc, routed_delivery(svc, i=3))
    assert result.settle is Settle.RETRY and "no enabled adapter" in result.reason
    assert after.attempts == 0


def test_ws_security_username_token_is_sent_and_its_password_kept_out_of_the_evidence(svc, agency):
    add(
        svc,
        G17,
        "soap",
        soap_config(agency, auth="wsse", username="vpcp", password="s3cr3t&pw"),
        enabled=True,
    )
    delivery = routed_delivery(svc)
    _, after = run_delivery(svc, delivery)
    assert after.state is DeliveryState.DELIVERED
    [exchange] = exchanges(svc, delivery.delivery_id)
    assert b"UsernameToken" in exchange.request and b"<wsse:Username>vpcp" in exchange.request
    assert b"s3cr3t" not in exchange.request and b"****" in exchange.request


def test_http_basic_authentication_reaches_the_soap_server(svc, pki_dir, tmp_path):
    simulator = simulated_agency(pki_dir, tmp_path, G17)
    inner = soap_application(simulator.receive)
    seen: list[str] = []

    def guarded(environ, start_response):  # a WSGI gate in front of the SOAP service
        seen.append(environ.get("HTTP_AUTHORIZATION", ""))
        if environ.get("HTTP_AUTHORIZATION") != "Basic dnBjcDpwdw==":
            start_response("401 Unauthorized", [("WWW-Authenticate", 'Basic realm="eoffice"')])
            return [b"unauthorized"]
        return inner(environ, start_response)

    server = SoapServer(guarded).start()
    try:
        with pytest.raises(Exception, match="HTTP 401"):
            add(svc, G17, "soap", soap_config(server), enabled=True)
        add(
            svc,
            G17,
            "soap",
            soap_config(server, auth="basic", username="vpcp", password="pw"),
            enabled=True,
        )
        _, after = run_delivery(svc, routed_delivery(svc))
        assert after.state is DeliveryState.DELIVERED
        assert seen[-1] == "Basic dnBjcDpwdw=="
    finally:
        server.stop()
        simulator.close()


def test_after_the_cool_down_a_probe_goes_through_and_success_closes_the_circuit(
    make_services, pki_dir, tmp_path
):
    simulator = simulated_agency(pki_dir, tmp_path, G17)
    recovered = threading.Event()

    def receive(body: bytes):
        # Until it recovers the agency system answers with a Server fault (transient): nothing
        # here waits on a timeout, so a slow machine cannot turn the probe into a failure.
        if not recovered.is_set():
            raise RuntimeError("the agency system is down")
        return simulator.receive(body)

    clock = FixedClock(datetime.now(UTC))
    # the cool-down is measured on the gateway's clock, not waited out
    svc = make_services(agencies=(AGENCY_A, AGENCY_B), clock=clock)
    server = SoapServer(soap_application(receive)).start()
    try:
        adapter_id = add(
            svc,
            G17,
            "soap",
            soap_config(server, timeout=30.0, breaker_failures=1, breaker_cooldown=0.5),
            enabled=True,
        ).adapter_id
        waiting = routed_delivery(svc, i=1)
        run_delivery(svc, waiting)
        result, _ = run_delivery(svc, waiting)
        assert "circuit open" in result.reason
        recovered.set()  # the agency system recovers
        clock.advance(timedelta(seconds=0.6))
        result, after = run_delivery(svc, waiting)
        assert (result.settle, after.state) == (Settle.ACK, DeliveryState.DELIVERED), result.reason
        assert after.attempts == 2  # the failed call and the probe; the refusal was not one
        with svc.store.unit_of_work() as uow:
            circuit = uow.circuits.get(adapter_id)
        actions = [
            r[0]
            for r in query(
                svc.store.engine,
                select(audit_events.c.action)
                .where(audit_events.c.action.like("adapter.circuit%"))
                .order_by(audit_events.c.seq),
            )
        ]
        assert circuit.state is CircuitState.CLOSED and circuit.failures == 0
        assert actions == [
            "adapter.circuit_opened",
            "adapter.circuit_probe",
            "adapter.circuit_closed",
        ]
    finally:
        recovered.set()
        server.stop()
        simulator.close()
