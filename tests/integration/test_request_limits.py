"""The request policy (gateway.api.limits) seen from a raw socket: credentials before the body,
sizes while it is read, a deadline for slow bodies, bounded headers, and readable JSON errors —
on SQLite and PostgreSQL, with the server's peak memory read from /proc."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from gateway.config import Settings
from gateway.runtime.demo import sample_petition
from tests.conftest import OPERATOR_TOKEN

MiB = 1024 * 1024
CHUNK = b"x" * MiB


@pytest.fixture
def gateway_settings(settings: Settings, db_url: str) -> Settings:
    return settings.with_(database_url=db_url, body_seconds=0.5)


def peak_reset() -> None:
    Path("/proc/self/clear_refs").write_text("5")  # VmHWM := VmRSS (the gateway runs in-process)


def kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise AssertionError(f"no {field} in /proc/self/status")


def connect(gateway) -> socket.socket:
    sock = socket.create_connection((gateway.api.host, gateway.api.port), timeout=10)
    return sock


def head(path: str, *, token: str | None = None, extra: str = "", chunked: bool = True) -> bytes:
    lines = [f"POST {path} HTTP/1.1", "Host: gateway", "Content-Type: application/json"]
    if token:
        lines.append(f"Authorization: Bearer {token}")
    if chunked:
        lines.append("Transfer-Encoding: chunked")
    if extra:
        lines.append(extra)
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def answer(sock: socket.socket) -> tuple[int, dict]:
    """The status and JSON body of the response (read until the server closes or the body is
    complete)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"the server closed the connection without an answer: {data!r}"
        data += chunk
    header, _, body = data.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":")[1])
        for line in header.split(b"\r\n")
        if line.lower().startswith(b"content-length")
    )
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return int(header.split(b" ")[1]), json.loads(body[:length])


def send_chunks(sock: socket.socket, total: int) -> int:
    """Send up to ``total`` bytes as chunks; the number sent before the server stopped reading."""
    sent = 0
    try:
        while sent < total:
            sock.sendall(b"%x\r\n" % len(CHUNK) + CHUNK + b"\r\n")
            sent += len(CHUNK)
    except (BrokenPipeError, ConnectionResetError, TimeoutError):
        pass
    return sent


def test_without_a_token_a_huge_body_is_answered_401_before_it_is_read(gateway):
    with connect(gateway) as sock:
        sock.sendall(head("/v1/petitions"))
        status, problem = answer(sock)  # no byte of the body was sent: the answer came anyway
    assert (status, problem["code"]) == (401, "AUTH_REQUIRED")

    peak_reset()
    before = kib("VmHWM")
    with connect(gateway) as sock:
        sock.settimeout(5)
        sock.sendall(head("/v1/petitions"))
        send_chunks(sock, 50 * MiB)
    grown_mib = (kib("VmHWM") - before) / 1024
    assert grown_mib < 8, f"peak memory grew by {grown_mib:.1f} MiB for an unauthenticated body"


@pytest.mark.parametrize(
    "path", ["/v1/petitions", "/v1/petitions/P1/route", "/v1/documents/D1/ack"]
)
def test_every_protected_write_route_refuses_a_missing_token_before_the_body(gateway, path):
    with connect(gateway) as sock:
        sock.sendall(head(path, extra=f"Content-Length: {20 * MiB}", chunked=False))
        status, problem = answer(sock)
    assert (status, problem["code"]) == (401, "AUTH_REQUIRED")


def test_a_wrong_operator_token_is_refused_before_the_body(gateway):
    with connect(gateway) as sock:
        sock.sendall(head("/v1/petitions", token="not-the-token"))
        status, problem = answer(sock)
    assert (status, problem["code"]) == (401, "AUTH_REQUIRED")


def test_with_the_token_a_declared_large_body_is_refused_at_once(gateway):
    with connect(gateway) as sock:
        sock.sendall(
            head(
                "/v1/petitions",
                token=OPERATOR_TOKEN,
                extra=f"Content-Length: {20 * MiB}",
                chunked=False,
            )
        )
        status, problem = answer(sock)
    assert (status, problem["code"]) == (413, "BODY_TOO_LARGE")


@pytest.mark.parametrize(
    ("path", "token"),
    [("/v1/petitions", OPERATOR_TOKEN), ("/v1/edxml", None)],
)
def test_a_chunked_body_over_the_limit_is_cut_off_while_it_is_read(gateway, path, token):
    # /v1/petitions: 256 KiB; /v1/edxml: max_document_bytes (1 MB in the tests)
    peak_reset()
    before = kib("VmHWM")
    with connect(gateway) as sock:
        sock.settimeout(5)
        sock.sendall(head(path, token=token))
        send_chunks(sock, 20 * MiB)
        status, problem = answer(sock)
    grown_mib = (kib("VmHWM") - before) / 1024
    assert (status, problem["code"]) == (413, "BODY_TOO_LARGE")
    assert grown_mib < 8, f"peak memory grew by {grown_mib:.1f} MiB"


def test_a_body_trickled_too_slowly_gets_408_and_the_connection_back(gateway):
    with connect(gateway) as sock:
        sock.sendall(head("/v1/petitions", token=OPERATOR_TOKEN) + b'5\r\n{"cat\r\n')
        status, problem = answer(sock)  # nothing more is sent: the server's deadline answers
    assert (status, problem["code"]) == (408, "BODY_TIMEOUT")


def test_headers_are_bounded(gateway):
    with connect(gateway) as sock:
        sock.sendall(head("/v1/petitions", token=OPERATOR_TOKEN, extra="X-Pad: " + "a" * 40_000))
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    assert data.startswith(b"HTTP/1.1 4"), data[:100]


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b'{"category": "policy", "category": "conduct"}', "appears twice"),
        (b"category=policy&title=x", "not JSON"),
        ('{"title": "Phản ánh"}'.encode("utf-16"), "not UTF-8"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    ],
    ids=["duplicate-keys", "form-encoded", "utf-16", "deep-nesting"],
)
def test_a_body_that_is_not_plain_json_gets_a_readable_422(gateway, api, body, says):
    response = api.post("/v1/petitions", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "INPUT_INVALID" and says in response.json()["detail"]


def test_duplicate_keys_inside_a_nested_object_are_refused_too(gateway, api):
    petition = sample_petition(1)
    text = json.dumps(petition).replace('"name":', '"name": "Một", "name":', 1)
    response = api.post("/v1/petitions", content=text, headers={"Content-Type": "application/json"})
    assert response.status_code == 422 and "appears twice" in response.json()["detail"]
    assert api.get("/v1/petitions").json()["petitions"] == []
