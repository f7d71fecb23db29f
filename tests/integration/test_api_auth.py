"""Only the operator (or an agency, for its own documents) reads and changes petitions."""

from __future__ import annotations

import stat

import httpx

from gateway.api.auth import operator_token
from gateway.runtime.demo import sample_petition
from tests.conftest import OPERATOR
from tests.helpers import CHECKED, wait_until


def test_without_the_operator_token_nothing_is_read_or_accepted(gateway, api):
    petition = api.post("/v1/petitions", json=sample_petition(1)).json()
    with httpx.Client(base_url=gateway.api.url, timeout=10, event_hooks=CHECKED) as anonymous:
        refused = [
            anonymous.post("/v1/petitions", json=sample_petition(2)),
            anonymous.get("/v1/petitions"),
            anonymous.get(f"/v1/petitions/{petition['id']}"),
            anonymous.post(f"/v1/petitions/{petition['id']}/route", json={"agencies": []}),
            anonymous.get(
                f"/v1/petitions/{petition['id']}", headers={"Authorization": "Bearer not-the-token"}
            ),
            anonymous.get(f"/v1/petitions/{petition['id']}", headers={"Authorization": "Basic x"}),
        ]
        assert anonymous.get("/healthz").status_code == 200
    assert [r.status_code for r in refused] == [401] * len(refused)
    assert {r.json()["code"] for r in refused} == {"AUTH_REQUIRED"}
    assert all(petition["title"] not in r.text for r in refused)
    assert [p["id"] for p in api.get("/v1/petitions").json()["petitions"]] == [petition["id"]]


def test_a_document_is_served_to_the_operator_and_to_no_one_without_a_token(gateway, api):
    petition = api.post(
        "/v1/petitions", json={**sample_petition(3), "route_to": ["000.00.00.G17"]}
    ).json()
    reply = wait_until(
        lambda: api.get(f"/v1/petitions/{petition['id']}").json()["cases"][0]["reply_document_id"],
        what="the agency's reply",
    )
    served = api.get(f"/v1/documents/{reply}")
    anonymous = httpx.get(f"{gateway.api.url}/v1/documents/{reply}", timeout=10)
    assert served.status_code == 200 and served.content.startswith(b"<")
    assert anonymous.status_code == 401
    assert anonymous.json()["code"] == "AUTH_REQUIRED"
    assert served.content not in anonymous.content


def test_without_a_configured_token_one_is_made_once_readable_only_by_its_owner(settings):
    home_settings = settings.with_(api_token=None)
    first = operator_token(home_settings)
    path = home_settings.home / "api-token"
    assert len(first) >= 32
    assert operator_token(home_settings) == first
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert operator_token(settings) == OPERATOR["Authorization"].removeprefix("Bearer ")
