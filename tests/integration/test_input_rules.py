"""Loose input a careless client sends: each gets a problem with a stable code, changes nothing,
and never comes back echoed at length (on SQLite and PostgreSQL)."""

from __future__ import annotations

import random
import sqlite3
import threading
import time

import pytest
from sqlalchemy import select

from gateway.runtime.demo import sample_petition
from gateway.store import tables as t


def petitions(api) -> list[dict]:
    return api.get("/v1/petitions").json()["petitions"]


def assert_problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["code"] == code and len(body["detail"]) <= 300 and len(body["title"]) <= 300
    return body


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ("status=nonsense", "status"),
        ("limit=-1", "limit"),
        ("limit=0", "limit"),
        ("limit=1001", "limit"),
        ("limit=ten", "limit"),
        ("escalated=perhaps", "escalated"),
    ],
)
def test_query_parameters_are_validated_and_named(gateway, api, query, names):
    problem = assert_problem(api.get(f"/v1/petitions?{query}"), 422, "INPUT_INVALID")
    assert names in problem["detail"]


def test_a_known_status_filters(gateway, api):
    created = api.post("/v1/petitions", json=sample_petition(1)).json()
    listed = api.get("/v1/petitions?status=" + created["status"]).json()["petitions"]
    assert [p["id"] for p in listed] == [created["id"]]
    assert api.get("/v1/petitions?status=closed&limit=1000").json()["petitions"] == []


@pytest.mark.parametrize(
    "email", ["not-an-address", "a@b", "two@@example.vn", "space in@example.vn", "@example.vn"]
)
def test_a_bad_email_is_refused(gateway, api, email):
    body = sample_petition(1)
    body["petitioner"] = {**body["petitioner"], "email": email}
    problem = assert_problem(api.post("/v1/petitions", json=body), 422, "INPUT_INVALID")
    assert "email" in problem["detail"] and email not in problem["detail"]
    assert petitions(api) == []


@pytest.mark.parametrize("portal", ["somewhere", "admin", "nguoidan2"])
def test_only_configured_portals_may_submit(gateway, api, portal):
    problem = assert_problem(
        api.post("/v1/petitions", json={**sample_petition(1), "portal": portal}),
        422,
        "INPUT_INVALID",
    )
    assert "nguoidan" in problem["detail"]
    assert petitions(api) == []


def test_a_client_ref_reused_with_another_body_is_a_conflict(gateway, api):
    first = {**sample_petition(1), "client_ref": "portal-42"}
    created = api.post("/v1/petitions", json=first)
    assert created.status_code == 201
    again = api.post("/v1/petitions", json=first)
    assert again.status_code == 200 and again.json()["id"] == created.json()["id"]
    for change in ({"title": "Một tiêu đề khác"}, {"portal": "doanhnghiep"}):
        assert_problem(
            api.post("/v1/petitions", json={**first, **change}), 409, "IDEMPOTENCY_CONFLICT"
        )
    other = {**first, "petitioner": {**first["petitioner"], "phone": "0911111111"}}
    assert_problem(api.post("/v1/petitions", json=other), 409, "IDEMPOTENCY_CONFLICT")
    assert [p["id"] for p in petitions(api)] == [created.json()["id"]]


@pytest.mark.parametrize(
    "path",
    [
        "/v1/petitions/{id}",
        "/v1/petitions/{id}/publish",
        "/v1/documents/{id}",
        "/v1/receipts/{id}",
        "/v1/agencies/{id}/inbox",
    ],
)
def test_a_long_id_is_never_echoed_back(gateway, api, path):
    long_id = "<script>" + "A" * 20_000  # longer request lines: 400 from the server
    url = path.format(id=long_id)
    response = api.post(url) if url.endswith("/publish") else api.get(url)
    assert 400 <= response.status_code < 500
    assert len(response.content) < 2000 and "<script>" not in response.text.replace("\\u003c", "")


def test_a_missing_petition_names_a_short_id(gateway, api):
    problem = assert_problem(api.get("/v1/petitions/P-unknown"), 404, "NOT_FOUND")
    assert "P-unknown" in problem["detail"]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # PostgreSQL has no database lock
def test_a_writer_that_cannot_get_the_sqlite_lock_gets_503_and_nothing_is_stored(
    gateway, api, db_url
):
    blocker = sqlite3.connect(db_url.removeprefix("sqlite:///"), isolation_level=None)
    try:
        blocker.execute("BEGIN IMMEDIATE")  # another writer holds the lock
        response = api.post("/v1/petitions", json=sample_petition(1))
        assert_problem(response, 503, "DATABASE_BUSY")
        assert response.headers["Retry-After"] == "2"
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    with gateway.svc.store.engine.connect() as c:
        assert c.execute(select(t.petitions.c.petition_id)).all() == []
    assert api.post("/v1/petitions", json=sample_petition(1)).status_code == 201


@pytest.fixture
def gateway_settings(settings, db_url):
    return settings.with_(database_url=db_url, db_busy_seconds=0.3)


def test_a_long_repeat_petition_does_not_hold_up_another_agencys_push(gateway, api, pki_dir):
    from tests.helpers import wait_until
    from tests.integration.test_bad_input import signed, status_root
    from tests.integration.test_lifecycle import in_status, submit

    words = [f"{w}{i % 97}" for i, w in enumerate(LONG_VOCABULARY.split() * 40)]
    content = " ".join(random.Random(3).choice(words) for _ in range(14_000))[:98_000]
    earlier = submit(api, 5, content=content, route_to=["000.00.00.G17"])
    wait_until(lambda: in_status(api, earlier["id"], "replied"), what="the first reply")

    repeat: dict = {}
    submitting = threading.Thread(
        target=lambda: repeat.update(
            submit(
                api, 5, content="Tôi gửi lại: " + content[:97_000], route_to=[], client_ref="again"
            )
        )
    )
    push = signed(pki_dir, status_root(sender="000.00.00.G18"), organ_id="000.00.00.G18")
    submitting.start()
    started = time.perf_counter()
    pushed = api.post("/v1/edxml", content=push)  # a status about no known transfer: a rejection
    took = time.perf_counter() - started
    submitting.join(timeout=30)
    assert pushed.status_code == 404 and pushed.json()["code"] == "UNKNOWN_DOCUMENT"
    assert took < 1.0, f"another agency's push waited {took:.2f} s"
    escalations = api.get(f"/v1/petitions/{repeat['id']}").json()["escalations"]
    assert [e["reason"] for e in escalations] == ["repeat_after_reply"]


LONG_VOCABULARY = (
    "đường giao thông liên xã bị hư hỏng nặng sau mưa lũ người dân đi lại khó khăn đề nghị "
    "cơ quan có thẩm quyền sớm sửa chữa bảo đảm an toàn cho học sinh và bà con trong thôn"
)
