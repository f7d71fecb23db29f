"""The acceptance path of a new user: `gateway demo`, and `gateway up --demo` surviving SIGKILL."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
from collections import Counter
from pathlib import Path

import httpx
import pytest

from tests.conftest import OPERATOR, OPERATOR_TOKEN
from tests.helpers import wait_until

GATEWAY = str(Path(sys.executable).with_name("gateway"))
pytestmark = pytest.mark.slow


def free_port_block(size: int = 3) -> int:
    """A port P such that P..P+size-1 are free now."""
    for _ in range(50):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            base = s.getsockname()[1]
        if base + size < 65535 and all(_free(base + i) for i in range(size)):
            return base
    raise RuntimeError("no free block of ports")


def _free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def test_gateway_demo_exits_0_when_every_petition_got_a_verified_signed_reply(tmp_path):
    done = subprocess.run(
        [GATEWAY, "demo", "--petitions", "6", "--timeout", "90"],
        capture_output=True,
        text=True,
        timeout=150,
        env={**os.environ, "GATEWAY_HOME": str(tmp_path)},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "all 6 petitions replied with verified signed replies" in done.stdout
    assert done.stdout.count("✓ verified") == 6


def replied_count(url: str) -> int:
    try:
        petitions = httpx.get(
            f"{url}/v1/petitions", params={"limit": 1000}, timeout=5, headers=OPERATOR
        ).json()
    except httpx.HTTPError:
        return 0
    return sum(p["status"] == "replied" for p in petitions["petitions"])


def test_killing_gateway_up_mid_demo_and_starting_it_again_loses_nothing(tmp_path):
    port = free_port_block()
    total = 20
    env = {
        **os.environ,
        "GATEWAY_HOME": str(tmp_path),
        "GATEWAY_HTTP_PORT": str(port),
        "GATEWAY_API_TOKEN": OPERATOR_TOKEN,
        "GATEWAY_LEASE_SECONDS": "3",
        "GATEWAY_RETRY_BASE_SECONDS": "0.2",
        "GATEWAY_RETRY_CAP_SECONDS": "1",
    }
    command = [GATEWAY, "up", "--demo", "--petitions", str(total), "--interval", "0.15"]
    url = f"http://127.0.0.1:{port}"
    log = (tmp_path / "up.log").open("w")

    # killed twice, at different stages of the flow, then left to finish
    for replied_before_kill in (3, 9):
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        wait_until(
            lambda n=replied_before_kill: replied_count(url) >= n,
            timeout=60,
            what=f"{replied_before_kill} replies",
        )
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)

    last = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_until(
            lambda: replied_count(url) == total,
            timeout=120,
            what=f"all {total} petitions replied after the restarts",
        )
    finally:
        last.send_signal(signal.SIGTERM)
        assert last.wait(timeout=30) == 0
        log.close()

    applied: Counter[str] = Counter()
    for state in (tmp_path / "simulators").glob("*.db"):
        with sqlite3.connect(state) as db:
            applied.update(p for (p,) in db.execute("SELECT petition_id FROM applied"))
    assert sum(applied.values()) == total
    assert set(applied.values()) == {1}, "an agency applied a petition twice"
