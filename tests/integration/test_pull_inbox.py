"""Pull agencies over the real API, relay and worker: each agency reads only its own inbox with
its own token; a document stays there until acknowledged; the deadline clock starts then."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import httpx
import pytest

from gateway.runtime.demo import sample_petition
from gateway.runtime.up import Running, start
from gateway.service import adapters
from gateway.service.admin import add_agency
from gateway.simulator.pull import InboxPoller
from tests.conftest import AGENCY_A, AGENCY_B, OPERATOR
from tests.helpers import CHECKED, wait_until
from tests.integration.adapter_support import simulated_agency

G17, G18 = AGENCY_A[0], AGENCY_B[0]


@pytest.fixture
def stack(settings, db_url) -> Iterator[tuple[Running, dict[str, str]]]:
    running = start(settings.with_(database_url=db_url), with_demo=False)
    tokens = {}
    for organ_id, name in (AGENCY_A, AGENCY_B):
        add_agency(running.svc, organ_id, name)
        added = adapters.add(running.svc, organ_id, "pull", {}, enabled=True)
        assert added.token is not None
        tokens[organ_id] = added.token
    try:
        yield running, tokens
    finally:
        running.shutdown()


@pytest.fixture
def api(stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack[0].api.url, timeout=10, event_hooks=CHECKED) as client:
        yield client


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def submit_to(api: httpx.Client, organ_id: str, i: int) -> str:
    response = api.post(
        "/v1/petitions", json={**sample_petition(i), "route_to": [organ_id]}, headers=OPERATOR
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


def waiting(api: httpx.Client, organ_id: str, token: str, count: int = 1) -> list[dict]:
    def listed():
        docs = api.get(f"/v1/agencies/{organ_id}/inbox", headers=auth(token)).json()["documents"]
        return docs if len(docs) >= count else None

    return wait_until(listed, what=f"{count} document(s) in {organ_id}'s inbox")


def test_each_agency_sees_only_its_own_documents(stack, api):
    _, tokens = stack
    submit_to(api, G17, 0)
    submit_to(api, G18, 1)
    [mine] = waiting(api, G17, tokens[G17])
    [theirs] = waiting(api, G18, tokens[G18])
    fetched = api.get(mine["href"], headers=auth(tokens[G17]))
    assert fetched.status_code == 200 and fetched.headers["X-Content-Sha256"] == mine["sha256"]
    other = api.get(theirs["href"], headers=auth(tokens[G17]))
    absent = api.get(
        "/v1/documents/00000000-0000-0000-0000-000000000000", headers=auth(tokens[G17])
    )
    assert other.status_code == absent.status_code == 404
    assert other.json()["code"] == "NOT_FOUND"
    assert G18 not in other.text and theirs["doc_key"] not in other.text
    assert api.get(f"/v1/agencies/{G18}/inbox", headers=auth(tokens[G17])).status_code == 403
    assert api.post(theirs["ack"], headers=auth(tokens[G17])).status_code == 404


def test_the_inbox_needs_a_valid_token(stack, api):
    assert api.get(f"/v1/agencies/{G17}/inbox").json()["code"] == "AUTH_REQUIRED"
    bad = api.get(f"/v1/agencies/{G17}/inbox", headers=auth("pakn_not-a-token"))
    assert bad.status_code == 401
    assert (
        api.get(f"/v1/agencies/{G17}/inbox", headers={"Authorization": "Basic eDp5"}).status_code
        == 401
    )


def test_a_document_stays_in_the_inbox_until_acknowledged_and_the_clock_starts_then(stack, api):
    running, tokens = stack
    petition_id = submit_to(api, G17, 2)
    [item] = waiting(api, G17, tokens[G17])
    case = api.get(f"/v1/petitions/{petition_id}", headers=OPERATOR).json()["cases"][0]
    assert case["due_date"] is None and case["deliveries"][0]["state"] == "inbox"
    assert waiting(api, G17, tokens[G17]) == [item]  # reading does not remove it
    first = api.post(item["ack"], headers=auth(tokens[G17]))
    assert first.status_code == 200 and first.json()["duplicate"] is False
    again = api.post(item["ack"], headers=auth(tokens[G17]))
    assert again.status_code == 200 and again.json()["duplicate"] is True
    case = api.get(f"/v1/petitions/{petition_id}", headers=OPERATOR).json()["cases"][0]
    assert case["deliveries"][0]["state"] == "delivered" and case["due_date"] is not None
    with running.svc.store.unit_of_work() as uow:
        record = uow.cases.get(case["case_id"])
    assert record is not None and record.clock_start_at is not None
    assert record.clock_start_at.isoformat() == first.json()["delivered_at"]
    assert api.get(f"/v1/agencies/{G17}/inbox", headers=auth(tokens[G17])).json()["documents"] == []


def test_a_simulated_pull_agency_fetches_acknowledges_with_its_receipt_and_replies(
    stack, api, pki_dir, tmp_path
):
    running, tokens = stack
    simulator = simulated_agency(pki_dir, tmp_path, G17)
    simulator.gateway_url = running.api.url
    simulator.behaviour = type(simulator.behaviour)(delay=0.02, reply=True)
    poller = InboxPoller(simulator, token=tokens[G17], interval=0.1)
    stop = threading.Event()
    threads = [
        threading.Thread(target=poller.run, args=(stop,), daemon=True),
        threading.Thread(target=simulator.run_pusher, args=(stop,), daemon=True),
    ]
    for thread in threads:
        thread.start()
    try:
        petition_id = submit_to(api, G17, 3)
        url = f"/v1/petitions/{petition_id}"
        view = wait_until(
            lambda: (v := api.get(url, headers=OPERATOR).json())["status"] == "replied" and v,
            what="the reply",
        )
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=10)
        poller.close()
        simulator.close()
    case = view["cases"][0]
    assert case["deliveries"][0]["state"] == "delivered"
    with running.svc.store.unit_of_work() as uow:
        receipts = [
            d
            for d in uow.documents.for_petition(petition_id)
            if d.kind == "receipt" and d.sender == G17
        ]
    assert len(receipts) == 1  # the agency's signed receipt, given with the acknowledgement
