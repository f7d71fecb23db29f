"""The circuit breaker's rules: open after repeated transient failures, one probe after the
cool-down, closed again by a success."""

from __future__ import annotations

from datetime import timedelta

import pytest

from gateway.domain.circuit import (
    BreakerSettings,
    Circuit,
    CircuitState,
    admit,
    failed,
    succeeded,
)
from gateway.errors import InputInvalid
from tests.conftest import utc

NOW = utc(2026, 3, 2, 9, 0)


def fail(circuit: Circuit, at=NOW) -> Circuit:
    return failed(circuit, at, "timeout", BreakerSettings(failures=3, cooldown_seconds=30))


def test_a_closed_circuit_lets_calls_through_and_counts_failures_below_the_threshold():
    circuit = fail(fail(Circuit(1)))
    assert circuit.state is CircuitState.CLOSED and circuit.failures == 2
    assert admit(circuit, NOW, probe_lease=5).allowed


def test_the_threshold_opens_the_circuit_for_the_cool_down():
    circuit = fail(fail(fail(Circuit(1))))
    assert circuit.state is CircuitState.OPEN
    gate = admit(circuit, NOW + timedelta(seconds=10), probe_lease=5)
    assert not gate.allowed and gate.wait_seconds == 20


def test_after_the_cool_down_exactly_one_probe_goes_through():
    opened = fail(fail(fail(Circuit(1))))
    probe = admit(opened, NOW + timedelta(seconds=31), probe_lease=5)
    assert probe.allowed and probe.circuit.state is CircuitState.HALF_OPEN
    second = admit(probe.circuit, NOW + timedelta(seconds=32), probe_lease=5)
    assert not second.allowed


def test_a_failed_probe_opens_the_circuit_again_and_a_success_closes_it():
    opened = fail(fail(fail(Circuit(1))))
    probe = admit(opened, NOW + timedelta(seconds=31), probe_lease=5).circuit
    reopened = fail(probe, NOW + timedelta(seconds=32))
    assert reopened.state is CircuitState.OPEN
    assert reopened.open_until == NOW + timedelta(seconds=62)
    closed = succeeded(probe)
    assert closed.state is CircuitState.CLOSED and closed.failures == 0


def test_breaker_settings_are_read_from_the_stored_configuration_with_defaults():
    assert BreakerSettings.from_config({}) == BreakerSettings(5, 30.0)
    assert BreakerSettings.from_config(
        {"url": "http://x", "breaker_failures": 2, "breaker_cooldown": 0.5}
    ) == BreakerSettings(2, 0.5)
    assert BreakerSettings.from_config(
        {"breaker_failures": "3", "breaker_cooldown": "60"}
    ) == BreakerSettings(3, 60.0)


@pytest.mark.parametrize(
    ("config", "named"),
    [
        ({"breaker_failures": 0}, "breaker_failures"),
        ({"breaker_failures": 2.5}, "breaker_failures"),
        ({"breaker_failures": "many"}, "breaker_failures"),
        ({"breaker_failures": True}, "breaker_failures"),
        ({"breaker_cooldown": 0}, "breaker_cooldown"),
        ({"breaker_cooldown": -1}, "breaker_cooldown"),
        ({"breaker_cooldown": "soon"}, "breaker_cooldown"),
        ({"breaker_cooldown": float("inf")}, "breaker_cooldown"),
        ({"breaker_cooldown": [30]}, "breaker_cooldown"),
    ],
)
def test_bad_breaker_settings_are_refused_naming_the_key(config, named):
    with pytest.raises(InputInvalid, match=named):
        BreakerSettings.from_config(config)
