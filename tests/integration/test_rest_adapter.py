"""The rest adapter against a real HTTP server (uvicorn on a thread): authentication, extra
headers, what counts as success, and how failures are classified."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import Response

from adapters.base import OutboundDocument
from adapters.rest import RestAdapter
from gateway.errors import InputInvalid, PermanentDeliveryError, TransientDeliveryError
from gateway.runtime.http import BackgroundServer

DOCUMENT = OutboundDocument(
    "d-1", "000.00.00.G17", "000.00.00.G22,2026/01/05,1/VPCP-PAKN", "ab" * 32, b"<edXML/>"
)


@pytest.fixture
def agency() -> Iterator[tuple[str, list[dict]]]:
    seen: list[dict] = []
    app = FastAPI()

    @app.post("/edxml/{answer}")
    async def edxml(answer: int, request: Request) -> Response:
        seen.append({"headers": dict(request.headers), "body": await request.body()})
        if answer == 599:
            time.sleep(1.0)
            answer = 200
        return Response(f"answer {answer}", status_code=answer)

    server = BackgroundServer(app, "127.0.0.1", 0, name="rest agency").start()
    yield server.url, seen
    server.stop()


OPEN: list[RestAdapter] = []


@pytest.fixture(autouse=True)
def _close_adapters() -> Iterator[None]:
    yield
    while OPEN:
        OPEN.pop().close()


def adapter(url: str, **config: object) -> RestAdapter:
    built = RestAdapter.from_config({"url": url, **config}, timeout=3)
    OPEN.append(built)
    return built


def test_the_exact_bytes_go_out_with_bearer_token_and_extra_headers(agency):
    url, seen = agency
    response = adapter(
        f"{url}/edxml/200", bearer_token="t0ken", headers={"X-Agency-Key": "k"}
    ).deliver(DOCUMENT)
    assert response.status == "HTTP 200" and response.body == b"answer 200"
    assert seen[0]["body"] == DOCUMENT.body
    assert seen[0]["headers"]["authorization"] == "Bearer t0ken"
    assert seen[0]["headers"]["x-agency-key"] == "k"
    assert seen[0]["headers"]["x-document-sha256"] == DOCUMENT.sha256


def test_basic_authentication_is_sent(agency):
    url, seen = agency
    adapter(f"{url}/edxml/200", username="vpcp", password="pw").deliver(DOCUMENT)
    assert seen[0]["headers"]["authorization"] == "Basic dnBjcDpwdw=="


def test_only_the_configured_statuses_count_as_delivered(agency):
    url, _ = agency
    assert adapter(f"{url}/edxml/202", success_status=[202]).deliver(DOCUMENT).status == "HTTP 202"
    with pytest.raises(PermanentDeliveryError):
        adapter(f"{url}/edxml/200", success_status=[202]).deliver(DOCUMENT)


def test_4xx_is_permanent_and_5xx_429_and_timeouts_are_transient(agency):
    url, _ = agency
    with pytest.raises(PermanentDeliveryError, match="HTTP 403"):
        adapter(f"{url}/edxml/403").deliver(DOCUMENT)
    for status in (500, 503, 429):
        with pytest.raises(TransientDeliveryError, match=f"HTTP {status}"):
            adapter(f"{url}/edxml/{status}").deliver(DOCUMENT)
    with pytest.raises(TransientDeliveryError, match="timeout"):
        adapter(f"{url}/edxml/599", timeout=0.3).deliver(DOCUMENT)


def test_incomplete_or_contradictory_configuration_is_refused():
    for config, words in (
        ({"username": "u"}, "basic auth"),
        ({"username": "u", "password": "p", "bearer_token": "t"}, "either"),
        ({"client_cert": "/nonexistent.pem"}, "not a file"),
        ({"success_status": ["ok"]}, "success_status"),
    ):
        with pytest.raises(InputInvalid, match=words):
            adapter("http://127.0.0.1:9/edxml", **config)
