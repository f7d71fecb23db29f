"""Quarterly report: the time to compute the report for the seeded data set (tests/report_seed.py:
5,000 petitions over two quarters across 25 agencies, made through the real use cases) on SQLite
and on PostgreSQL, against a baseline measured in the same run; and the public statistics page
under load, against a static file served by the same server.

    .venv/bin/python bench/bench_quarterly_report.py [--per-quarter 2500]
        [--backends sqlite,postgresql] [--rate 200] [--seconds 10]

- report: ``quarterly_report`` on fresh services (nothing cached), best of 3; the target is
  under 5 s on both backends;
- baseline: reading the same events, petitions and marks from the store (the floor for any
  computation from recorded events);
- page: ``GET /cong-khai/thong-ke/?quy=…`` offered at a fixed rate (open loop) for ``--seconds``
  to the API served by uvicorn in this process; p50/p99 against the same load on a static file
  of the same server (``/cong-khai/static/style.css``); the target is p99 under 50 ms.
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx
from sqlalchemy import create_engine, text

from gateway.bootstrap import bootstrap
from gateway.clock import FixedClock
from gateway.config import Settings
from gateway.domain.reports import Quarter
from gateway.service.reports import quarterly_report
from gateway.service.services import Services
from signing import DevPki
from tests.report_seed import seed

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def best_of(runs: int, fn: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return best


def database(backend: str, home: Path) -> tuple[str, Callable[[], None]]:
    if backend == "sqlite":
        return f"sqlite:///{home / 'gateway.db'}", lambda: None
    name = f"pakn_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    return PG_ADMIN.rsplit("/", 1)[0] + f"/{name}", drop


def open_loop(client: httpx.Client, path: str, rate: float, seconds: float) -> list[float]:
    """Latencies (s) of requests offered every 1/rate s whatever the answers (8 threads)."""
    latencies: list[float] = []
    lock = threading.Lock()
    start = time.perf_counter()
    total = int(rate * seconds)
    counter = iter(range(total))

    def run() -> None:
        for i in counter:
            due = start + i / rate
            pause = due - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            response = client.get(path)
            response.raise_for_status()
            with lock:
                latencies.append(time.perf_counter() - due)  # from when it was offered

    threads = [threading.Thread(target=run) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _serve(settings: Settings, at: datetime, ports: Any) -> None:
    """In a process of its own (as in production, and so that the load generator does not share
    its interpreter): the API on a free port, its clock fixed at ``at``."""
    from gateway.runtime.roles import settle_heap, start_api

    svc = bootstrap(settings.with_(http_host="127.0.0.1", http_port=0), clock=FixedClock(at))
    server = start_api(svc)  # as `gateway api` starts it
    settle_heap()
    ports.put(server.port)
    threading.Event().wait()


def bench_page(settings: Settings, at: datetime, quarter: str, rate: float, seconds: float) -> None:
    context = multiprocessing.get_context("spawn")
    ports = context.Queue()
    child = context.Process(target=_serve, args=(settings, at, ports), daemon=True)
    child.start()
    try:
        port = ports.get(timeout=120)
        page = f"/cong-khai/thong-ke?quy={quarter}"
        static = "/cong-khai/static/style.css"
        limits = httpx.Limits(max_connections=16, max_keepalive_connections=16)
        base = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=base, limits=limits, timeout=10) as client:
            client.get(page).raise_for_status()  # warm: the closed quarter's figures computed
            for name, path in (("static file", static), ("statistics page", page)):
                latencies = open_loop(client, path, rate, seconds)
                print(
                    f"  {name:<16} {rate:.0f} req/s x {seconds:.0f} s: p50 "
                    f"{statistics.median(latencies) * 1000:6.1f} ms  p99 "
                    f"{pct(latencies, 0.99) * 1000:6.1f} ms  ({len(latencies)} requests)"
                )
    finally:
        child.terminate()
        child.join(timeout=10)


def measure_report(svc: Services, settings: Settings, clock: FixedClock, quarter: Quarter) -> None:
    """Print the report's computation time next to the time to read what it is computed from."""
    end = quarter.end(svc.zone)

    def read() -> None:
        with svc.store.unit_of_work() as uow:
            uow.reports.events(before=end)
            uow.reports.petitions(before=end)
            uow.reports.useful(before=end)

    def compute() -> None:
        fresh = bootstrap(settings, clock=clock)
        try:
            quarterly_report(fresh, quarter)
        finally:
            fresh.close()

    baseline, report = best_of(3, read), best_of(3, compute)
    print(f"  baseline: read the recorded events      {baseline:6.2f} s")
    print(
        f"  report {quarter}: computed from them     {report:6.2f} s  "
        f"({report / baseline:.1f}x the read; target < 5 s)"
    )
    result = quarterly_report(svc, quarter)
    for title, listing in (("named", result.named), ("commended", result.commended)):
        print(f"  {title}: {len(listing)}")
        for x in listing:
            print(f"    {x.name} ({x.organ_id}): {x.rule}")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--per-quarter", type=int, default=2500)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="pakn-bench-report-"))
    pki = DevPki(home / "pki")
    pki.init()
    for backend in args.backends.split(","):
        url, drop = database(backend, home / backend)
        (home / backend).mkdir(exist_ok=True)
        try:
            settings = Settings(home=home / backend, pki_dir=home / "pki", database_url=url)
            clock = FixedClock(datetime.now(UTC))
            svc = bootstrap(settings, clock=clock)
            started = time.perf_counter()
            seeded = seed(svc, clock, pki, per_quarter=args.per_quarter)
            print(
                f"{backend}: seeded {len(seeded.petitions)} petitions in "
                f"{time.perf_counter() - started:.0f} s (through the use cases)"
            )
            quarter = seeded.quarters[1]
            measure_report(svc, settings, clock, quarter)
            if backend == "sqlite":
                bench_page(settings, clock.now(), str(quarter), args.rate, args.seconds)
            svc.close()
        finally:
            drop()


if __name__ == "__main__":
    main()
