"""The roles a gateway process plays, each wired once.

``gateway up`` starts every role in one process; ``gateway api``, ``relay``, ``worker``,
``scheduler`` and ``audit seal --watch`` start one each. Every role takes the services built by
the composition root (:func:`gateway.bootstrap.bootstrap`, the transport included) and a stop
event; none builds a port of its own.
"""

from __future__ import annotations

import gc
import threading

from gateway.api.app import create_app
from gateway.runtime.http import BackgroundServer
from gateway.runtime.relay import OutboxRelay
from gateway.runtime.scheduler import DeadlineScheduler
from gateway.runtime.worker import Worker
from gateway.service.audit.seal import AuditSealer
from gateway.service.services import Services


def start_api(svc: Services) -> BackgroundServer:
    """The HTTP API on GATEWAY_HTTP_HOST:GATEWAY_HTTP_PORT (port 0: any free port)."""
    settings = svc.settings
    return BackgroundServer(
        create_app(svc), settings.http_host, settings.http_port, name="API"
    ).start()


def settle_heap() -> None:
    """Called by the long-running commands once every role has started. Once a process has
    loaded what it keeps (modules, the app, the services),
    move those objects out of the cyclic collector's generations: a full collection then walks
    only what requests allocate, instead of pausing a request for ~50 ms every so often (the
    public statistics page's p99 went from ~60 ms to ~4 ms: bench/bench_quarterly_report.py)."""
    gc.collect()
    gc.freeze()


def start_relay(svc: Services, stop: threading.Event) -> list[threading.Thread]:
    """Publishes committed outbox rows to the transport."""
    relay = OutboxRelay(svc.store, svc.transport, svc.clock)
    thread = threading.Thread(target=relay.run, args=(stop,), name="relay", daemon=True)
    thread.start()
    return [thread]


def start_workers(
    svc: Services, stop: threading.Event, threads: int | None = None
) -> list[threading.Thread]:
    """Deliver queued documents to the agencies (GATEWAY_WORKER_THREADS at a time)."""
    count = threads or svc.settings.worker_threads
    return Worker(svc, svc.transport, threads=count).start(stop)


def start_sealer(svc: Services, stop: threading.Event) -> list[threading.Thread]:
    """Seals the audit chain every N events or T minutes."""
    thread = threading.Thread(
        target=AuditSealer(svc).run, args=(stop,), name="audit-sealer", daemon=True
    )
    thread.start()
    return [thread]


def start_scheduler(svc: Services, stop: threading.Event) -> list[threading.Thread]:
    """Deadlines: reminders and overdue marks as they come due."""
    return [DeadlineScheduler(svc).start(stop)]


BACKGROUND_ROLES = (start_relay, start_workers, start_sealer, start_scheduler)
"""Everything but the API, in the order ``gateway up`` starts them."""
