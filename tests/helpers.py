"""Small test helpers shared by the integration and end-to-end tests."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

import httpx
import pytest

T = TypeVar("T")


def wait_until(
    check: Callable[[], T], *, timeout: float = 30.0, interval: float = 0.1, what: str = "condition"
) -> T:
    """Poll ``check`` until it returns something truthy; fail with ``what`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    last: T | None = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what} (last: {last!r})")


DEPENDENCY_DOWN = frozenset({"DATABASE_BUSY", "TRANSPORT_UNAVAILABLE"})


def no_server_errors(response: httpx.Response) -> None:
    """Every 5xx from the API is a bug, except a 503 saying a dependency is busy or down."""
    if response.status_code < 500:
        return
    response.read()
    try:
        code = response.json().get("code")
    except ValueError:
        code = None
    if not (response.status_code == 503 and code in DEPENDENCY_DOWN):
        pytest.fail(
            f"{response.request.method} {response.request.url.path} answered "
            f"{response.status_code}: {response.text[:500]}"
        )


CHECKED = {"response": [no_server_errors]}
"""httpx event hooks for every test client of the API."""
