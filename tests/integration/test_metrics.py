"""``GET /metrics`` and ``gateway check`` on both databases: each value moves when the thing it
measures happens; the alert rules name only metrics the gateway exposes; no personal data."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from gateway.api.app import create_app
from gateway.clock import FixedClock
from gateway.domain.circuit import Circuit, CircuitState
from gateway.errors import ErrorCode
from gateway.service import adapters, dead_letters
from gateway.service.audit.seal import seal_now
from gateway.service.audit.verify import verify_trail
from gateway.service.deadlines import tick_deadlines
from gateway.service.escalations import escalate_petition
from gateway.service.health import CRITICAL, OK, WARNING, checks, snapshot
from gateway.service.intake import submit_petition
from gateway.transport.base import Message
from tests.conftest import AGENCY_A, new_petition
from tests.helpers import cli_runner, served
from tests.integration.test_deadline_scheduler import petition_with_running_clock

ALERTS = Path(__file__).resolve().parents[2] / "docker" / "alerts.yml"


def scrape(api) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:  # type: ignore[no-untyped-def]
    answer = api.get("/metrics")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    values = {}
    for family in text_string_to_metric_families(answer.text):
        for sample in family.samples:
            values[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return values


def test_each_metric_moves_when_its_thing_happens(make_services) -> None:  # type: ignore[no-untyped-def]
    clock = FixedClock(datetime.now(UTC))  # the development certificates are valid from now
    svc = make_services(agencies=(AGENCY_A,), clock=clock)
    organ = AGENCY_A[0]
    with served(create_app(svc)) as api:
        before = scrape(api)
        assert before[("pakn_petitions_received_total", ())] == 0
        petition = new_petition(1, route_to=(organ,))
        pid = submit_petition(svc, petition).petition_id
        petition_with_running_clock(svc, 2)  # a second one the agency has received
        after = scrape(api)
        assert after[("pakn_petitions_received_total", ())] == 2
        assert after[("pakn_agency_queue_depth", (("agency", organ),))] == 2
        assert after[("pakn_outbox_backlog", ())] >= 1
        clock.advance(timedelta(minutes=6))
        assert scrape(api)[("pakn_outbox_oldest_age_seconds", ())] >= 360
        assert ("pakn_audit_last_seal_age_seconds", ()) not in after

        dead_letters.record(
            svc,
            Message("outbound.x", b"{}", str(uuid.uuid4())),
            "bad",
            code=ErrorCode.INPUT_INVALID,
        )
        escalate_petition(svc, pid, "government_authority", note="", actor="op")
        adapters.add(svc, organ, "pull", {}, enabled=True)
        with svc.store.unit_of_work() as uow:  # the agency's system stops answering
            (adapter,) = uow.adapters.all()
            uow.circuits.save(
                Circuit(adapter.adapter_id, CircuitState.OPEN, 5, clock.now()), at=clock.now()
            )
            uow.commit()
        seal_now(svc, force=True)
        assert verify_trail(svc).ok
        clock.advance(timedelta(days=45))  # well past the 20 working days
        tick_deadlines(svc)
        moved = scrape(api)
    assert moved[("pakn_dead_letters", ())] == 1
    assert moved[("pakn_escalations_open", ())] == 1
    assert moved[("pakn_overdue_cases", (("agency", organ),))] == 1
    assert moved[("pakn_audit_last_verify_ok", ())] == 1
    assert moved[("pakn_audit_last_seal_age_seconds", ())] >= 45 * 86400
    assert moved[("pakn_circuits_open", ())] == 1
    assert moved[("pakn_circuit_open_seconds", (("agency", organ),))] >= 45 * 86400
    days = [v for (name, _), v in moved.items() if name == "pakn_certificate_expiry_days"]
    assert days and all(d > 0 for d in days)
    text = "\n".join(f"{name} {labels}" for (name, labels) in moved)
    for value in (petition.petitioner.name, petition.petitioner.phone, petition.title):
        assert value not in text
    # the alert rules name only what is exposed
    exposed = {name.removesuffix("_total") for name, _ in moved} | {name for name, _ in moved}
    for name in set(re.findall(r"\bpakn_[a-z_]+", ALERTS.read_text(encoding="utf-8"))):
        assert name in exposed, name


def test_gateway_check_judges_the_same_conditions(make_services) -> None:  # type: ignore[no-untyped-def]
    clock = FixedClock(datetime.now(UTC))  # the development certificates are valid from now
    svc = make_services(agencies=(AGENCY_A,), clock=clock)
    fresh = {c.name: c.status for c in checks(snapshot(svc))}
    assert fresh["audit_seal"] == WARNING  # the agency's registration is not sealed yet
    assert fresh["dead_letters"] == OK and fresh["outbox"] == OK
    submit_petition(svc, new_petition(1, route_to=(AGENCY_A[0],)))
    seal_now(svc, force=True)
    clock.advance(timedelta(minutes=10))  # nothing relays the outbox here: it is stuck
    judged = {c.name: c for c in checks(snapshot(svc))}
    assert judged["outbox"].status == CRITICAL and "oldest 600 s" in judged["outbox"].text
    assert judged["audit_seal"].status == OK
    assert max(c.status for c in judged.values()) == CRITICAL


@pytest.mark.parametrize(("days", "status"), [(45, OK), (20, WARNING), (3, CRITICAL)])
def test_expiring_certificates_are_judged_by_days_left(days: int, status: int) -> None:
    from gateway.service.health import Certificate, Snapshot

    s = Snapshot(
        at=datetime(2026, 12, 1, tzinfo=UTC),
        petitions_by_status={},
        deliveries_by_state={},
        waiting_by_agency={},
        dead_letters=0,
        outbox_pending=0,
        outbox_oldest_seconds=None,
        certificates=[Certificate("CN=x", "000.00.00.G17", "imported", days)],
        last_seal_seconds=10,
    )
    assert {c.name: c.status for c in checks(s)}["certificates"] == status


def test_the_check_command_prints_a_line_each_and_exits_with_the_worst(
    tmp_path: Path, pki_dir: Path
) -> None:
    cli = cli_runner(
        {"GATEWAY_HOME": str(tmp_path), "GATEWAY_PKI_DIR": str(pki_dir), "GATEWAY_DATABASE_URL": ""}
    )
    assert cli("check").output.count("OK ") == 7  # a new house: nothing to worry about
    cli("agency", "add", "000.00.00.G17", "--name", "Bộ Xây dựng")  # an audited event
    first = cli("check", code=1)
    lines = first.output.strip().splitlines()
    assert len(lines) == 7 and "WARNING audit_seal: never sealed, 1 events unsealed" in lines
    assert all(line.split()[0] in ("OK", "WARNING", "CRITICAL") for line in lines)
    cli("audit", "seal")
    assert cli("check").output.count("OK ") == 7


def test_a_running_gateway_measures_its_deliveries(gateway, api) -> None:  # type: ignore[no-untyped-def]
    from gateway.runtime.demo import sample_petition
    from tests.helpers import wait_until

    before = scrape(api)
    pid = api.post("/v1/petitions", json=sample_petition(0)).json()["id"]
    wait_until(
        lambda: api.get(f"/v1/petitions/{pid}").json()["status"] == "replied", what="the reply"
    )
    after = scrape(api)
    agency = str(sample_petition(0)["route_to"][0])  # type: ignore[index]
    key = ("pakn_delivery_attempts_total", (("agency", agency), ("outcome", "ack")))
    assert after[key] >= before.get(key, 0) + 1
    count = ("pakn_delivery_attempt_seconds_count", (("agency", agency),))
    assert after[count] >= before.get(count, 0) + 1
    routed = ("pakn_routed_to_receipt_seconds_count", ())
    assert after[routed] >= before.get(routed, 0) + 1
