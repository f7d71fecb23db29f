"""Cầu dao: a per-adapter circuit breaker, as pure rules over a stored state.

closed ──(``failures`` transient failures in a row)──▶ open ──(cool-down over)──▶ half_open
half_open: one probe is let through; success closes the circuit, failure opens it again.

While the circuit is open nothing is sent to the agency: its messages stay queued and come back
after the cool-down. Only transient failures count (a permanent one is about one document, not
about the agency system).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from gateway.errors import InputInvalid

DEFAULT_THRESHOLD = 5
DEFAULT_COOLDOWN_SECONDS = 30.0
FAILURES_KEY = "breaker_failures"
COOLDOWN_KEY = "breaker_cooldown"


@dataclass(frozen=True)
class BreakerSettings:
    """How one adapter instance's circuit behaves: ``failures`` transient failures in a row open
    it, for ``cooldown_seconds``. Stored in the adapter's configuration under the keys
    ``breaker_failures`` and ``breaker_cooldown`` (the CLI's ``--breaker-…`` options)."""

    failures: int = DEFAULT_THRESHOLD
    cooldown_seconds: float = DEFAULT_COOLDOWN_SECONDS

    def __post_init__(self) -> None:
        if isinstance(self.failures, bool) or not isinstance(self.failures, int):
            raise InputInvalid(f"{FAILURES_KEY!r} must be a whole number of failures")
        if self.failures < 1:
            raise InputInvalid(f"{FAILURES_KEY!r} must be at least 1 (got {self.failures})")
        if not math.isfinite(self.cooldown_seconds) or self.cooldown_seconds <= 0:
            raise InputInvalid(
                f"{COOLDOWN_KEY!r} must be positive seconds (got {self.cooldown_seconds:g})"
            )

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> BreakerSettings:
        """Read and check the settings of a stored adapter configuration (defaults for keys
        that are absent).

        Raises:
            InputInvalid: a value is not a number of failures (at least 1) or of seconds
                (positive), naming the key.
        """
        return cls(
            _whole(config.get(FAILURES_KEY, DEFAULT_THRESHOLD)),
            _seconds(config.get(COOLDOWN_KEY, DEFAULT_COOLDOWN_SECONDS)),
        )


def _whole(value: object) -> int:
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise InputInvalid(f"{FAILURES_KEY!r} must be a whole number of failures (got {value!r})")


def _seconds(value: object) -> float:
    if isinstance(value, int | float | str) and not isinstance(value, bool):
        try:
            return float(value)
        except ValueError:
            pass
    raise InputInvalid(f"{COOLDOWN_KEY!r} must be a number of seconds (got {value!r})")


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


def failed(circuit: Circuit, now: datetime, error: str, settings: BreakerSettings) -> Circuit:
    """A transient failure: count it; open the circuit at ``settings.failures`` in a row or on a
    failed probe, for ``settings.cooldown_seconds``."""
    failures = circuit.failures + 1
    if circuit.state is CircuitState.HALF_OPEN or failures >= settings.failures:
        return replace(
            circuit,
            state=CircuitState.OPEN,
            failures=failures,
            open_until=now + timedelta(seconds=settings.cooldown_seconds),
            last_error=error,
        )
    return replace(circuit, failures=failures, last_error=error)
