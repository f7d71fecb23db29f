"""A production-shaped gateway for fault tests: API, relay, worker(s) and two simulated agencies as
separate processes, on PostgreSQL and RabbitMQ (names under a prefix of their own)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import httpx

from tests.conftest import AMQP_URL, OPERATOR, OPERATOR_TOKEN
from tests.e2e.test_demo import free_port_block
from tests.helpers import wait_until

GATEWAY = str(Path(sys.executable).with_name("gateway"))
AGENCIES = (("000.00.00.G17", "Bộ Xây dựng"), ("000.00.00.G18", "Bộ Y tế"))


@dataclass
class Cluster:
    home: Path
    db_url: str
    prefix: str
    worker_threads: int = 8
    port: int = field(default_factory=lambda: free_port_block(3))
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    exited: dict[str, int] = field(default_factory=dict)
    log: IO[str] | None = None
    agency_args: dict[str, list[str]] = field(default_factory=dict)

    @property
    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "GATEWAY_HOME": str(self.home),
            "GATEWAY_DATABASE_URL": self.db_url,
            "GATEWAY_HTTP_PORT": str(self.port),
            "GATEWAY_BROKER_URL": AMQP_URL,
            "GATEWAY_BROKER_PREFIX": self.prefix,
            "GATEWAY_RETRY_BASE_SECONDS": "0.2",
            "GATEWAY_RETRY_CAP_SECONDS": "2",
            "GATEWAY_MAX_ATTEMPTS": "1000",
            "GATEWAY_ADAPTER_TIMEOUT": "10",
            "GATEWAY_BROKER_PREFETCH": "8",
            "GATEWAY_API_TOKEN": OPERATOR_TOKEN,
        }

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def gateway(self, *args: str) -> str:
        done = subprocess.run(
            [GATEWAY, *args], env=self.env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    def setup(self) -> None:
        self.log = (self.home / "processes.log").open("a")
        self.gateway("db", "upgrade")
        for i, (organ_id, name) in enumerate(AGENCIES, start=1):
            self.gateway("agency", "add", organ_id, "--name", name)
            self.gateway(
                "adapter",
                "add",
                organ_id,
                "--kind",
                "rest",
                "--url",
                f"http://127.0.0.1:{self.port + i}/edxml",
                "--enable",
            )

    def start(self, name: str) -> None:
        args = {
            "api": ["api"],
            "relay": ["relay"],
            "worker": ["worker", "--threads", str(self.worker_threads)],
        }.get(name)
        if args is None:
            i = next(i for i, (o, _) in enumerate(AGENCIES, 1) if o == name)
            args = [
                "simulate",
                "agency",
                "--organ-id",
                name,
                "--port",
                str(self.port + i),
                "--gateway-url",
                self.api_url,
                "--silent",
                *self.agency_args.get(name, []),
            ]
        assert self.log is not None
        self.processes[name] = subprocess.Popen(
            [GATEWAY, *args], env=self.env, stdout=self.log, stderr=subprocess.STDOUT
        )

    def start_all(self) -> None:
        for name in ("api", "relay", "worker", *(o for o, _ in AGENCIES)):
            self.start(name)
        wait_until(lambda: _answers(f"{self.api_url}/healthz"), timeout=60, what="the API")
        for i in range(1, len(AGENCIES) + 1):
            wait_until(
                lambda i=i: _answers(f"http://127.0.0.1:{self.port + i}/state"),
                timeout=60,
                what="a simulated agency",
            )

    def kill(self, name: str) -> None:
        process = self.processes.pop(name)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)

    def stop_all(self) -> dict[str, int]:
        for process in self.processes.values():
            process.send_signal(signal.SIGTERM)
        codes = {name: p.wait(timeout=60) for name, p in self.processes.items()}
        self.processes.clear()
        if self.log:
            self.log.close()
        return codes

    def submit(self, numbers: Iterable[int], *, threads: int = 8) -> list[str]:
        """Submit petitions through the API (retrying refusals, e.g. 503); their ids."""
        from gateway.runtime.demo import sample_petition

        local = threading.local()
        clients: list[httpx.Client] = []

        def one(i: int) -> str:
            if not hasattr(local, "client"):
                local.client = httpx.Client(base_url=self.api_url, timeout=30, headers=OPERATOR)
                clients.append(local.client)
            body: dict[str, Any] = {**sample_petition(i), "client_ref": f"fault-{i}"}
            for _ in range(600):
                try:
                    response = local.client.post("/v1/petitions", json=body)
                    if response.status_code in (200, 201):
                        return str(response.json()["id"])
                except httpx.HTTPError:
                    pass
                threading.Event().wait(0.1)
            raise AssertionError(f"petition {i} was never accepted")

        try:
            with ThreadPoolExecutor(threads) as pool:
                return list(pool.map(one, numbers))
        finally:
            for client in clients:
                client.close()

    def agency_state(self, organ_id: str) -> dict[str, Any]:
        i = next(i for i, (o, _) in enumerate(AGENCIES, 1) if o == organ_id)
        return httpx.get(f"http://127.0.0.1:{self.port + i}/state", timeout=30).json()


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def broker_queues(prefix: str) -> dict[str, tuple[int, int]]:
    """Queue name → (ready, unacknowledged) for the queues under ``prefix``."""
    out = subprocess.run(
        [
            "rabbitmqctl",
            "list_queues",
            "--silent",
            "name",
            "messages_ready",
            "messages_unacknowledged",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    found = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0].startswith(prefix + "."):
            found[parts[0]] = (int(parts[1]), int(parts[2]))
    return found


def rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", *args], check=True, capture_output=True, timeout=120)
