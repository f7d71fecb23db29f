"""The gateway's logs: plain text by default, one JSON object per line with
``GATEWAY_LOG_FORMAT=json``; every line written while a petition is being handled carries its
correlation id (the petition's id, which names no one), in every process it passes through: the
API at intake, the worker delivering it, the API again when the agency's receipt or reply comes
back.

Log messages never carry personal data: they name ids, queues, states and codes, never a
petition's text or its petitioner (tests scan a whole run's logs for seeded personal data).
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

correlation: ContextVar[str] = ContextVar("correlation", default="")


@contextmanager
def correlated(correlation_id: str) -> Iterator[None]:
    """Lines logged inside carry ``correlation_id`` (nested: the innermost)."""
    token = correlation.set(correlation_id)
    try:
        yield
    finally:
        correlation.reset(token)


class CorrelationFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.correlation_id = correlation.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, process id, the
    correlation id when there is one, and the exception's type and text when one is logged."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "pid": record.process,
        }
        if cid := getattr(record, "correlation_id", "") or correlation.get():
            line["correlation_id"] = cid
        if record.exc_info and record.exc_info[0] is not None:
            line["error"] = f"{record.exc_info[0].__name__}: {record.exc_info[1]}"
        return json.dumps(line, ensure_ascii=False)


def configure(*, verbose: bool, fmt: str | None = None) -> None:
    """Log to stderr: INFO with ``verbose`` else WARNING; JSON lines when ``fmt`` (default: the
    ``GATEWAY_LOG_FORMAT`` variable) is ``json``."""
    fmt = (fmt or os.environ.get("GATEWAY_LOG_FORMAT") or "text").lower()
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(CorrelationFilter())
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO if verbose else logging.WARNING)
