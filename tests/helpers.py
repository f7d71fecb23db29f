"""Small test helpers shared by the integration and end-to-end tests."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import httpx
import pytest
from sqlalchemy import Engine, Row, text
from sqlalchemy.sql import Executable

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


def query(engine: Engine, statement: str | Executable, **params: Any) -> list[Row[Any]]:
    """The rows of a read run on a connection of its own (committed data only). Tests may speak
    SQL to check what was stored; the product goes through a unit of work's repositories."""
    with engine.connect() as connection:
        return list(
            connection.execute(text(statement) if isinstance(statement, str) else statement, params)
        )


DEPENDENCY_DOWN = frozenset({"DATABASE_BUSY", "TRANSPORT_UNAVAILABLE", "MAINTENANCE"})


def no_server_errors(response: httpx.Response) -> None:
    """Every 5xx from the API is a bug, except a 503 saying a dependency is busy or down, or
    that intake is paused for maintenance."""
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


@contextmanager
def served(app: Any, **client_options: Any) -> Iterator[httpx.Client]:
    """``app`` served by a real HTTP server on a free port (uvicorn on a thread, as in
    production), and a client of it that fails the test on any unexpected 5xx."""
    from gateway.runtime.http import BackgroundServer

    server = BackgroundServer(app, "127.0.0.1", 0, name="api under test").start()
    try:
        with httpx.Client(
            base_url=server.url, timeout=30, event_hooks=CHECKED, **client_options
        ) as client:
            yield client
    finally:
        server.stop()


def cli_runner(env: dict[str, str]) -> Callable[..., Any]:
    """Run `gateway …` in-process with ``env``: asserts exit 0, or exit ``code`` when given, and
    nothing when ``ok=False``. The one way the end-to-end tests call the CLI."""
    from click.testing import CliRunner

    from gateway.cli import main

    runner = CliRunner()

    def run(*args: str, ok: bool = True, code: int | None = None) -> Any:
        result = runner.invoke(main, list(args), env=env, catch_exceptions=False)
        if code is not None:
            assert result.exit_code == code, result.output
        elif ok:
            assert result.exit_code == 0, result.output
        return result

    return run
