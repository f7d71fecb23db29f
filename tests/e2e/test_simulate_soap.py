"""The administrator's path, as separate processes: `gateway simulate agency --protocol soap`
runs a SOAP e-office with its own WSDL; `gateway adapter add` checks and saves it and
`gateway adapter test` makes a signed round trip to it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import wait_until

GATEWAY = str(Path(sys.executable).parent / "gateway")
G17 = "000.00.00.G17"

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_soap_agency_is_added_and_tested_from_the_cli_against_the_simulator(tmp_path, pki_dir):
    env = {
        **os.environ,
        "GATEWAY_HOME": str(tmp_path),
        "GATEWAY_PKI_DIR": str(pki_dir),
        "GATEWAY_DATABASE_URL": "",
    }
    port = free_port()
    simulator = subprocess.Popen(
        [
            GATEWAY,
            "simulate",
            "agency",
            "--organ-id",
            G17,
            "--protocol",
            "soap",
            "--port",
            str(port),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:

        def run(*args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                [GATEWAY, *args], env=env, capture_output=True, text=True, timeout=120
            )

        wsdl = f"http://127.0.0.1:{port}/?wsdl"
        assert run("agency", "add", G17, "--name", "Bộ Xây dựng").returncode == 0

        def added() -> subprocess.CompletedProcess[str] | None:
            result = run(
                "adapter",
                "add",
                G17,
                "--kind",
                "soap",
                "--wsdl",
                wsdl,
                "--operation",
                "ReceiveEdxmlBase64",
                "--encoding",
                "base64",
                "--status-operation",
                "GetStatus",
                "--enable",
            )
            return result if result.returncode == 0 else None

        result = wait_until(added, timeout=60, interval=0.5, what="the simulator's WSDL")
        assert "WSDL loaded" in result.stdout
        tested = run("adapter", "test", G17)
        assert tested.returncode == 0, tested.stderr
        assert "signed receipt verified" in tested.stdout
    finally:
        simulator.send_signal(signal.SIGTERM)
        output, _ = simulator.communicate(timeout=30)
    assert simulator.returncode == 0, output
    assert "serving SOAP, WSDL at" in output
