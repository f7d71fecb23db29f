"""The production shape: API, relay, worker and an agency as separate processes on PostgreSQL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.e2e.test_demo import free_port_block
from tests.helpers import wait_until

GATEWAY = str(Path(sys.executable).with_name("gateway"))
pytestmark = pytest.mark.slow


def test_separate_api_relay_worker_processes_carry_a_petition_to_its_reply(tmp_path, pg_url):
    port = free_port_block(2)
    env = {
        **os.environ,
        "GATEWAY_HOME": str(tmp_path),
        "GATEWAY_DATABASE_URL": pg_url,
        "GATEWAY_HTTP_PORT": str(port),
    }

    def gateway(*args: str) -> str:
        done = subprocess.run([GATEWAY, *args], env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        return done.stdout

    gateway("db", "upgrade")
    gateway("agency", "add", "000.00.00.G12", "--name", "Bộ Tài chính")
    gateway(
        "adapter",
        "add",
        "000.00.00.G12",
        "--kind",
        "rest",
        "--url",
        f"http://127.0.0.1:{port + 1}/edxml",
        "--enable",
    )
    commands = (
        ["api"],
        ["relay"],
        ["worker", "--threads", "2"],
        [
            "simulate",
            "agency",
            "--organ-id",
            "000.00.00.G12",
            "--name",
            "Bộ Tài chính",
            "--port",
            str(port + 1),
            "--gateway-url",
            f"http://127.0.0.1:{port}",
            "--delay",
            "0.1",
        ],
    )
    log = (tmp_path / "processes.log").open("w")
    processes = [
        subprocess.Popen([GATEWAY, *c], env=env, stdout=log, stderr=subprocess.STDOUT)
        for c in commands
    ]
    try:
        wait_until(lambda: _answers(f"http://127.0.0.1:{port}/healthz"), timeout=30, what="the API")
        petition_id = gateway(
            "petition",
            "submit",
            "--category",
            "proposal",
            "--title",
            "Đề xuất mẫu",
            "--content",
            "Nội dung",
            "--name",
            "Lê Văn Mẫu",
            "--to",
            "000.00.00.G12",
        ).strip()
        wait_until(
            lambda: "replied" in gateway("petition", "show", petition_id).splitlines()[0],
            timeout=60,
            what="the reply",
        )
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        codes = [process.wait(timeout=30) for process in processes]
        log.close()
    assert codes == [0, 0, 0, 0], (tmp_path / "processes.log").read_text()[-2000:]


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False
