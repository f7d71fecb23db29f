"""What a process measures as it works (prometheus-client's default registry): each delivery
attempt's outcome and duration per agency, and the time from routing to the agency's signed
receipt. ``/metrics`` on the API shows them with the gateway's state read from the database
(in ``gateway up`` one endpoint for every role); a worker started on its own serves them on
``--metrics-port``. Labels are agency ids and outcomes: bounded, never personal data."""

from __future__ import annotations

from prometheus_client import Counter, Histogram, start_http_server

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0)

DELIVERY_ATTEMPTS = Counter(
    "pakn_delivery_attempts",
    "Delivery attempts by agency and outcome (ack: delivered or in the inbox; retry; dead).",
    ["agency", "outcome"],
)
DELIVERY_SECONDS = Histogram(
    "pakn_delivery_attempt_seconds",
    "Duration of one delivery attempt (signature, adapter call, the agency's receipt checked).",
    ["agency"],
    buckets=BUCKETS,
)
ROUTED_TO_RECEIPT = Histogram(
    "pakn_routed_to_receipt_seconds",
    "From routing a petition to an agency to the agency's receipt stored (first attempt or not).",
    buckets=BUCKETS,
)


def serve(port: int, host: str = "127.0.0.1") -> None:
    """Serve this process's measurements on http://host:port/metrics (a worker, a relay)."""
    start_http_server(port, addr=host)
