"""Maintenance mode on a running gateway (API, relay, workers, simulated agencies), on both
databases: intake and agency pushes answer 503 MAINTENANCE with Retry-After, /readyz says so,
reads go on, workers take no new work; `off` resumes and what was accepted is delivered."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from gateway.errors import IllegalTransition, InputInvalid
from gateway.runtime.demo import sample_petition
from gateway.runtime.worker import Worker
from gateway.service.maintenance import end_maintenance, start_maintenance
from gateway.store import tables as t
from tests.conftest import new_petition
from tests.helpers import cli_runner, query, wait_until


def test_maintenance_pauses_intake_and_delivery_and_loses_nothing(gateway, api) -> None:  # type: ignore[no-untyped-def]
    svc = gateway.svc
    before = api.post("/v1/petitions", json=sample_petition(0)).json()
    with pytest.raises(InputInvalid):
        start_maintenance(svc, " ", actor="op")
    start_maintenance(svc, "nâng cấp cơ sở dữ liệu", actor="op")
    with pytest.raises(IllegalTransition):
        start_maintenance(svc, "again", actor="op")

    refused = api.post("/v1/petitions", json=sample_petition(1))
    assert refused.status_code == 503 and refused.json()["code"] == "MAINTENANCE"
    assert int(refused.headers["retry-after"]) > 0
    push = api.post("/v1/edxml", content=b"<edXML/>", headers={"Content-Type": "application/xml"})
    assert push.status_code == 503 and push.json()["code"] == "MAINTENANCE"
    ready = api.get("/readyz")
    assert ready.status_code == 503 and ready.json()["status"] == "maintenance"
    assert api.get(f"/v1/petitions/{before['id']}").status_code == 200  # reads go on
    assert Worker(svc, svc.transport, queue_refresh_seconds=0).queues() == []

    # one accepted a moment before the window opened (its transfer still queued)
    from gateway.service.intake import submit_petition

    held = submit_petition(svc, new_petition(7, route_to=("000.00.00.G17",))).petition_id
    end_maintenance(svc, actor="op")
    with pytest.raises(IllegalTransition):
        end_maintenance(svc, actor="op")
    assert api.get("/readyz").status_code == 200
    for pid in (before["id"], held):
        wait_until(
            lambda pid=pid: api.get(f"/v1/petitions/{pid}").json()["status"] == "replied",
            what=f"petition {pid} replied after maintenance",
        )
    assert api.post("/v1/petitions", json=sample_petition(2)).status_code == 201
    actions = [a for (a,) in query(svc.store.engine, select(t.audit_events.c.action))]
    assert actions.count("maintenance.started") == 1 and actions.count("maintenance.ended") == 1


def test_the_maintenance_commands(tmp_path, pki_dir) -> None:  # type: ignore[no-untyped-def]
    cli = cli_runner(
        {"GATEWAY_HOME": str(tmp_path), "GATEWAY_PKI_DIR": str(pki_dir), "GATEWAY_DATABASE_URL": ""}
    )
    assert "running" in cli("maintenance", "status").output
    cli("maintenance", "on", "--reason", "sao lưu dữ liệu")
    assert "sao lưu dữ liệu" in cli("maintenance", "status").output
    assert "ILLEGAL_TRANSITION" in cli("maintenance", "on", "--reason", "x", code=1).output
    cli("maintenance", "off")
    assert "running" in cli("maintenance", "status").output
