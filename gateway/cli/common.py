"""What the commands share: settings from the environment and the services built from them."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from gateway.config import Settings

if TYPE_CHECKING:
    from gateway.service.services import Services


def settings(port: int | None = None, home: Path | None = None) -> Settings:
    result = Settings.from_env()
    if port is not None:
        result = result.with_(http_port=port)
    if home is not None:
        result = result.with_(home=home)
    return result


def services() -> Services:
    """Build the services (database, keys) — only ever inside a command body."""
    from gateway.bootstrap import bootstrap

    return bootstrap(Settings.from_env())


@contextmanager
def open_services() -> Iterator[Services]:
    """:func:`services`, closed (database pool, adapters) when the block ends."""
    svc = services()
    try:
        yield svc
    finally:
        svc.close()


def stop_on_signal() -> threading.Event:
    """An event set by SIGTERM or Ctrl-C: what a long-running role command waits on."""
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    return stop
