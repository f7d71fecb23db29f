"""`gateway up` and `gateway demo`: everything in one process, on the embedded defaults.

API server, outbox relay and worker threads share one set of services; with the demo, two
simulated agencies and a stream of sample petitions join them. Killing the process at any moment
loses nothing: state is in the database (and in each simulator's own file), and a restart picks
up where it stopped.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.live import Live
from rich.table import Table

from gateway import logs
from gateway.api.auth import TOKEN_FILE, operator_token
from gateway.bootstrap import bootstrap
from gateway.clock import Clock
from gateway.config import Settings
from gateway.errors import GatewayError
from gateway.runtime import demo, roles
from gateway.runtime.http import BackgroundServer
from gateway.service import queries
from gateway.service.services import Services
from schemas import xml

log = logging.getLogger("gateway.up")

ORDER = (
    "received",
    "transferred",
    "arrived",
    "accepted",
    "assigned",
    "processing",
    "finished",
    "replied",
    "published",
    "closed",
    "returned",
    "revoked",
    "reopened",
)


@dataclass
class Running:
    svc: Services
    api: BackgroundServer
    stop: threading.Event
    threads: list[threading.Thread] = field(default_factory=list)
    agencies: list[demo.DemoAgency] = field(default_factory=list)

    def shutdown(self) -> None:
        """Stop taking work, let the relay and workers finish what they hold, then close."""
        self.stop.set()
        self.api.stop()
        for thread in self.threads:
            thread.join(timeout=30)
        for agency in self.agencies:
            agency.server.stop()
            agency.simulator.close()
        self.svc.close()  # the transport too: what was not settled is handed out again


def start(
    settings: Settings,
    *,
    with_demo: bool,
    petitions: int | None = None,
    interval: float = 0.5,
    agency_delay: float = 0.5,
    demo_ports: bool = True,
    clock: Clock | None = None,
) -> Running:
    """Start every role in one process. With the demo, ``petitions`` sample petitions are
    streamed (0 = endless, None = none). ``clock`` replaces the system clock (tests)."""
    svc = bootstrap(settings, clock=clock)
    stop = threading.Event()
    api = roles.start_api(svc)
    threads = [thread for start_role in roles.BACKGROUND_ROLES for thread in start_role(svc, stop)]
    running = Running(svc, api, stop, threads=threads)
    if with_demo:
        first_port = api.port + 1 if demo_ports and settings.http_port else None
        running.agencies = demo.start_agencies(
            svc, first_port=first_port, delay=agency_delay, stop=stop, gateway_url=api.url
        )
        if petitions is not None:
            threading.Thread(
                target=demo.stream_petitions,
                args=(api.url, operator_token(settings), petitions, interval, stop),
                name="petition-stream",
                daemon=True,
            ).start()
    return running


STYLE = {"replied": "green", "returned": "red", "received": "dim", "transferred": "yellow"}


def progress_table(svc: Services, recent: int = 12) -> Table:
    """The newest petitions with each case's state, and totals by state."""
    counts = queries.progress(svc)
    table = Table(title="PAKN Gateway — live", title_justify="left")
    table.add_column("petition", no_wrap=True, min_width=8)
    table.add_column("title", no_wrap=True, max_width=30)
    for column, width in (("agency", 13), ("state", 11), ("delivery", 10), ("due", 10)):
        table.add_column(column, no_wrap=True, min_width=width)
    for summary in queries.petition_list(svc, limit=recent):
        view = queries.petition_view(svc, summary["id"])
        for case in view["cases"] or [{}]:
            state = case.get("state", view["status"])
            delivery = (case.get("deliveries") or [{}])[-1]
            table.add_row(
                view["id"][:8],
                view["title"],
                case.get("agency", "—"),
                f"[{STYLE.get(state, 'cyan')}]{state}[/]",
                f"{delivery.get('state', '—')}",
                case.get("due_date") or "—",
            )
    totals = counts["petitions"]
    table.caption = (
        " · ".join(f"{s} {totals[s]}" for s in ORDER if s in totals)
        + f"  |  outbox pending {counts['outbox_pending']['rows']}"
    )
    return table


def run_up(settings: Settings, *, with_demo: bool, petitions: int, interval: float) -> int:
    running = start(settings, with_demo=with_demo, petitions=petitions, interval=interval)
    roles.settle_heap()
    console = Console()
    console.print(f"PAKN Gateway API on {running.api.url}  (docs: {running.api.url}/docs)")
    console.print(f"operator token: {token_source(settings)}")
    console.print(
        f"console: {running.api.url}/console/ (first administrator: gateway user add NAME "
        f'--name "…" --role admin); public pages: {running.api.url}/cong-khai/'
    )
    for agency in running.agencies:
        console.print(
            f"simulated agency {agency.simulator.organ_id} "
            f"({agency.simulator.name}) on {agency.server.url}"
        )
    console.print("Ctrl-C to stop.")
    signal.signal(signal.SIGTERM, lambda *_: running.stop.set())
    try:
        if console.is_terminal:
            with Live(progress_table(running.svc), console=console, refresh_per_second=4) as live:
                while not running.stop.wait(0.5):
                    live.update(progress_table(running.svc))
        else:
            last: Any = None
            while not running.stop.wait(1.0):
                current = queries.progress(running.svc)["petitions"]
                if current != last:
                    print(
                        "petitions: "
                        + ", ".join(f"{s} {current[s]}" for s in ORDER if s in current),
                        flush=True,
                    )
                    last = current
    except KeyboardInterrupt:
        pass
    finally:
        running.shutdown()
    return 0


def run_demo(settings: Settings, *, petitions: int, timeout: float, agency_delay: float) -> int:
    """Run the demo to completion; 0 only if every petition got a verified, signed reply."""
    console = Console()
    running = start(
        settings.with_(http_port=0),
        with_demo=True,
        petitions=petitions,
        interval=0.05,
        agency_delay=agency_delay,
        demo_ports=False,
    )
    started = time.monotonic()
    try:
        while time.monotonic() - started < timeout:
            by_status = queries.progress(running.svc)["petitions"]
            if by_status.get("replied", 0) >= petitions:
                break
            time.sleep(0.25)
        views = _demo_views(running.svc)  # once, for the summary
        rows, problems = _verify_replies(running.svc, views, petitions)
        elapsed = time.monotonic() - started
        table = Table(title=f"PAKN demo — {len(views)} petitions in {elapsed:.1f} s")
        for column in ("petition", "agency", "state", "due", "deliveries", "reply signature"):
            table.add_column(column)
        for row in rows:
            table.add_row(*row)
        console.print(table)
        if problems:
            for problem in problems:
                console.print(f"[red]✗[/red] {problem}")
            return 1
        console.print(
            f"[green]✓[/green] all {petitions} petitions replied with verified signed replies"
        )
        return 0
    finally:
        running.shutdown()


def _demo_views(svc: Services) -> list[dict[str, Any]]:
    return [queries.petition_view(svc, p["id"]) for p in queries.petition_list(svc, limit=10_000)]


def _verify_replies(
    svc: Services, views: list[dict[str, Any]], expected: int
) -> tuple[list[tuple[str, ...]], list[str]]:
    rows: list[tuple[str, ...]] = []
    problems: list[str] = []
    if len(views) < expected:
        problems.append(f"only {len(views)} of {expected} petitions were received")
    for view in sorted(views, key=lambda v: v["received_at"]):
        for case in view["cases"] or [{}]:
            mark = "—"
            reply_id = case.get("reply_document_id")
            if reply_id:
                try:
                    doc = queries.document(svc, reply_id)
                    svc.verifier.verify(xml.parse(doc.body)).require_organ(case["agency"])
                    mark = "✓ verified"
                except GatewayError as e:
                    mark = f"✗ {e.code}"
                    problems.append(f"petition {view['id'][:8]}: reply signature {e.code}")
            if view["status"] != "replied":
                problems.append(f"petition {view['id'][:8]} is {view['status']}, not replied")
            deliveries = ", ".join(
                f"{d['state']}×{d['attempts']}" for d in case.get("deliveries", [])
            )
            rows.append(
                (
                    view["id"][:8],
                    case.get("agency", "—"),
                    view["status"],
                    case.get("due_date") or "—",
                    deliveries or "—",
                    mark,
                )
            )
    return rows, problems


def configure_logging(verbose: bool) -> None:
    """Text lines, or JSON lines with GATEWAY_LOG_FORMAT=json (gateway/logs.py)."""
    logs.configure(verbose=verbose)


def token_source(settings: Settings) -> str:
    """Where the operator token comes from — never the token itself."""
    if settings.api_token:
        return "GATEWAY_API_TOKEN"
    return str(Path(settings.home) / TOKEN_FILE)
