"""A pull front-end for the simulated agency: it polls its inbox on the gateway, fetches each
document, handles it like a pushed one, and acknowledges it with its signed receipt."""

from __future__ import annotations

import logging
import threading

import httpx

from gateway.simulator.agency import SimulatedAgency

log = logging.getLogger("gateway.simulator.pull")


class InboxPoller:
    def __init__(
        self,
        simulator: SimulatedAgency,
        *,
        token: str,
        interval: float = 0.5,
        timeout: float = 10.0,
    ) -> None:
        self.simulator = simulator
        self.interval = interval
        self.http = httpx.Client(
            base_url=simulator.gateway_url,
            timeout=timeout,
            headers={"Authorization": f"Bearer {token}"},
        )

    def poll_once(self) -> int:
        """Fetch and acknowledge what the inbox holds. Returns how many were acknowledged."""
        listing = self.http.get(f"/v1/agencies/{self.simulator.organ_id}/inbox")
        listing.raise_for_status()
        done = 0
        for item in listing.json()["documents"]:
            fetched = self.http.get(item["href"])
            fetched.raise_for_status()
            status, answer, _ = self.simulator.receive(fetched.content)
            if status != 200:  # refused: it stays in the inbox, as a real system would leave it
                log.warning(
                    "simulator %s refused %s: %s",
                    self.simulator.organ_id,
                    item["document_id"],
                    answer[:200],
                )
                continue
            ack = self.http.post(
                item["ack"], content=answer, headers={"Content-Type": "application/xml"}
            )
            ack.raise_for_status()
            done += 1
        return done

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                self.poll_once()
            except httpx.HTTPError as e:
                log.warning(
                    "simulator %s: inbox poll failed: %s", self.simulator.organ_id, type(e).__name__
                )
            stop.wait(self.interval)

    def close(self) -> None:
        self.http.close()
