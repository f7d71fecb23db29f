"""How a simulated agency meets the gateway: REST (POST /edxml), SOAP (spyne, its own WSDL) or
pull (it polls its inbox on the gateway). Used by ``gateway simulate agency --protocol …``."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from gateway.runtime.http import BackgroundServer
from gateway.simulator.agency import SimulatedAgency


@contextmanager
def serve(
    simulator: SimulatedAgency,
    protocol: str,
    *,
    port: int,
    token: str | None,
    stop: threading.Event,
) -> Iterator[str]:
    """Run the front-end while the block runs; yields where it listens (for the operator)."""
    if protocol == "soap":
        from gateway.simulator.soap import SoapServer, soap_application

        soap = SoapServer(
            soap_application(simulator.receive, known=simulator.knows),
            "127.0.0.1",
            port,
            name=f"SOAP simulator {simulator.organ_id}",
        ).start()
        try:
            yield f"serving SOAP, WSDL at {soap.wsdl_url}"
        finally:
            soap.stop()
    elif protocol == "pull":
        from gateway.simulator.pull import InboxPoller

        poller = InboxPoller(simulator, token=token or "")
        thread = threading.Thread(
            target=poller.run, args=(stop,), daemon=True, name=f"inbox poller {simulator.organ_id}"
        )
        thread.start()
        try:
            yield f"polling {simulator.gateway_url}/v1/agencies/{simulator.organ_id}/inbox"
        finally:
            stop.set()
            thread.join(timeout=10)
            poller.close()
    else:
        server = BackgroundServer(
            simulator.app(), "127.0.0.1", port, name=f"simulator {simulator.organ_id}"
        ).start()
        try:
            yield f"listening on {server.url}/edxml"
        finally:
            server.stop()
