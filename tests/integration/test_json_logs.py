"""JSON logs on a running gateway (API, relay, workers, simulated agencies): one JSON object per
line; the lines written for a petition — at intake, while the worker delivers it, when the
agency's documents come back — carry its id as their correlation id; no line carries the
petitioners' personal data."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from gateway.logs import CorrelationFilter, JsonFormatter
from gateway.runtime.demo import sample_petition
from tests.helpers import wait_until


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(CorrelationFilter())
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def test_a_petitions_lines_carry_its_id_from_intake_to_reply_and_no_personal_data(
    gateway, api, json_log: io.StringIO
) -> None:  # type: ignore[no-untyped-def]
    sent = [sample_petition(i) for i in range(3)]
    ids = [api.post("/v1/petitions", json=p).json()["id"] for p in sent]
    for pid in ids:
        wait_until(
            lambda pid=pid: api.get(f"/v1/petitions/{pid}").json()["status"] == "replied",
            what=f"petition {pid} replied",
        )
    lines = [json.loads(line) for line in json_log.getvalue().splitlines() if line.strip()]
    assert lines and all({"ts", "level", "logger", "message"} <= set(line) for line in lines)
    for pid in ids:
        loggers = {line["logger"] for line in lines if line.get("correlation_id") == pid}
        assert {"gateway.api", "gateway.worker"} <= loggers, (pid, loggers)
        accepted = [
            line
            for line in lines
            if line.get("correlation_id") == pid and "agency document" in line["message"]
        ]
        assert accepted, f"no line for the agency's documents of {pid}"
    text = json_log.getvalue()
    for petition in sent:
        who = petition["petitioner"]
        assert isinstance(who, dict)
        for value in (who["name"], who["email"], petition["title"], petition["content"]):
            assert str(value) not in text
