"""Cầu dao: a per-adapter circuit breaker, as pure rules over a stored state.

closed ──(``threshold`` transient failures in a row)──▶ open ──(cool-down over)──▶ half_open
half_open: one probe is let through; success closes the circuit, failure opens it again.

While the circuit is open nothing is sent to the agency: its messages stay queued and come back
after the cool-down. Only transient failures count (a permanent one is about one document, not
about the agency system).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

DEFAULT_THRESHOLD = 5
DEFAULT_COOLDOWN_SECONDS = 30.0


class CircuitState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


@dataclass(frozen=True)
class Circuit:
    adapter_id: int
    state: CircuitState = CircuitState.CLOSED
    failures: int = 0
    open_until: datetime | None = None
    """When open: the end of the cool-down. When half-open: when the probe's lease ends."""
    last_error: str | None = None


@dataclass(frozen=True)
class Gate:
    """Whether one call may go through now, and the circuit to store if it does."""

    allowed: bool
    circuit: Circuit
    wait_seconds: float = 0.0


def admit(circuit: Circuit, now: datetime, *, probe_lease: float) -> Gate:
    """May a call go through now? Moving open → half_open hands out the single probe."""
    if circuit.state is CircuitState.CLOSED:
        return Gate(True, circuit)
    until = circuit.open_until or now
    if now < until:
        return Gate(False, circuit, (until - now).total_seconds())
    probe = replace(
        circuit, state=CircuitState.HALF_OPEN, open_until=now + timedelta(seconds=probe_lease)
    )
    return Gate(True, probe)


def succeeded(circuit: Circuit) -> Circuit:
    return replace(circuit, state=CircuitState.CLOSED, failures=0, open_until=None, last_error=None)


def failed(
    circuit: Circuit, now: datetime, error: str, *, threshold: int, cooldown: float
) -> Circuit:
    """A transient failure: count it; open the circuit at the threshold or on a failed probe."""
    failures = circuit.failures + 1
    if circuit.state is CircuitState.HALF_OPEN or failures >= threshold:
        return replace(
            circuit,
            state=CircuitState.OPEN,
            failures=failures,
            open_until=now + timedelta(seconds=cooldown),
            last_error=error,
        )
    return replace(circuit, failures=failures, last_error=error)
