"""The console over a large house: the dashboard and petition searches over 100,000 petitions on
PostgreSQL, served by the API in a process of its own, next to the same server's /healthz
measured in the same run.

    .venv/bin/python bench/bench_console.py [--petitions 100000] [--requests 300] [--rate 20]

The data set (petitions over the year so far, one or two cases each across 25 agencies, OVERDUE
events, escalations; what is older than its period mostly answered, 4% of it overdue) is written
in bulk straight into the store's tables: making 100,000 petitions through the use
cases would take hours, and what is measured here is reading them. Each page is asked
``--requests`` times one after another (closed loop), then offered at ``--rate`` per second
whatever the answers (open loop); the target is p99 under 100 ms for the dashboard and the
searches.
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import re
import statistics
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx
from bench_quarterly_report import database, open_loop, pct
from sqlalchemy import insert

from gateway.bootstrap import bootstrap
from gateway.config import Settings
from gateway.domain.access import Principal, Role
from gateway.service.accounts import NewUser, add_user
from gateway.service.admin import add_agency
from gateway.store import tables as t

PASSWORD = "mật khẩu đo hiệu năng"
AWAITING = ("transferred", "accepted", "processing")
DONE = ("replied", "published", "closed")
AGENCIES = [f"000.00.{i:02d}.G{i:02d}" for i in range(10, 35)]


def fill(settings: Settings, petitions: int) -> None:
    svc = bootstrap(settings)
    for organ in AGENCIES:
        add_agency(svc, organ, f"Cơ quan {organ}")
    add_user(
        svc,
        NewUser("doluong", "Đo lường", Role.OPERATOR),
        by=Principal("", "bench", Role.ADMIN, system=True),
        password=PASSWORD,
    )
    rng = random.Random(5)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    now = datetime.now(UTC)
    span = (now - start).total_seconds()
    batch = 5000
    case_id = 0
    with svc.store.engine.begin() as c:
        for first in range(0, petitions, batch):
            rows, cases, events, escalations = [], [], [], []
            for n in range(first, min(petitions, first + batch)):
                pid = str(uuid.UUID(int=rng.getrandbits(128)))
                at = start + timedelta(seconds=span * n / petitions)
                # as a house in use looks: what is older than its period is mostly answered
                # (4% still awaiting, hence overdue); what is recent mostly awaits its agency
                old = (now - at).days > 40
                awaiting = rng.random() < (0.04 if old else 0.8)
                state = rng.choice(AWAITING if awaiting else DONE)
                rows.append(
                    {
                        "petition_id": pid,
                        "client_ref": None,
                        "category": ("conduct", "policy", "proposal")[n % 3],
                        "title": f"Phản ánh số {n} về thủ tục hành chính",
                        "content": "Đề nghị xem xét giải quyết theo quy định.",
                        "petitioner": {"kind": "citizen", "name": f"Người gửi {n}"},
                        "portal": ("nguoidan", "doanhnghiep")[n % 2],
                        "received_at": at,
                        "status": state,
                        "updated_at": at,
                    }
                )
                for organ in rng.sample(AGENCIES, 2 if n % 10 == 0 else 1):
                    case_id += 1
                    due = at + timedelta(days=28)
                    cases.append(
                        {
                            "case_id": case_id,
                            "petition_id": pid,
                            "organ_id": organ,
                            "state": state,
                            "state_changed_at": at,
                            "clock_start_at": at,
                            "due_date": due.date(),
                            "due_at": due,
                            "created_at": at,
                        }
                    )
                    if due < now and state in AWAITING:
                        events.append(
                            {
                                "case_id": case_id,
                                "petition_id": pid,
                                "organ_id": organ,
                                "kind": "overdue",
                                "due_at": due,
                                "due_date": due.date(),
                                "calendar_version": "bench",
                                "emitted_at": due,
                            }
                        )
                if n % 50 == 0:
                    escalations.append(
                        {
                            "petition_id": pid,
                            "level": 2,
                            "reason": "government_authority",
                            "detail": "bench",
                            "raised_by": "bench",
                            "raised_at": at,
                        }
                    )
            c.execute(insert(t.petitions), rows)
            c.execute(insert(t.cases), cases)
            if events:
                c.execute(insert(t.deadline_events), events)
            if escalations:
                c.execute(insert(t.escalations), escalations)
    with svc.store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
        c.exec_driver_sql("VACUUM ANALYZE")  # what autovacuum does in a house in use
    svc.close()


def _serve(settings: Settings, ports: Any) -> None:
    from gateway.runtime.roles import settle_heap, start_api

    svc = bootstrap(settings.with_(http_host="127.0.0.1", http_port=0))
    server = start_api(svc)
    settle_heap()
    ports.put(server.port)
    threading.Event().wait()


def logged_in(base: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=30)
    form = client.get("/console/dang-nhap").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', form)
    assert csrf is not None
    client.post(
        "/console/dang-nhap",
        data={"csrf": csrf.group(1), "username": "doluong", "password": PASSWORD, "then": ""},
    )
    assert client.get("/console/").status_code == 200, "login failed"
    return client


def closed_loop(client: httpx.Client, path: str, requests: int) -> list[float]:
    client.get(path).raise_for_status()
    latencies = []
    for _ in range(requests):
        started = time.perf_counter()
        client.get(path).raise_for_status()
        latencies.append(time.perf_counter() - started)
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--petitions", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--rate", type=float, default=20)
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="pakn-bench-console-"))
    url, drop = database("postgresql", home)
    try:
        settings = Settings(home=home, database_url=url)
        started = time.perf_counter()
        fill(settings, args.petitions)
        took = time.perf_counter() - started
        print(f"postgresql: {args.petitions} petitions written in {took:.0f} s")
        context = multiprocessing.get_context("spawn")
        ports = context.Queue()
        child = context.Process(target=_serve, args=(settings, ports), daemon=True)
        child.start()
        try:
            base = f"http://127.0.0.1:{ports.get(timeout=120)}"
            pages = {
                "healthz (baseline)": "/healthz",
                "dashboard": "/console/",
                "search: all, page 1": "/console/ho-so",
                "search: agency + overdue": f"/console/ho-so?co-quan={AGENCIES[3]}&qua-han=1",
                "search: state + category, page 20": (
                    "/console/ho-so?trang-thai=accepted&linh-vuc=policy&trang=20"
                ),
                "search: escalated": "/console/ho-so?leo-thang=1",
                "search: dates": "/console/ho-so?tu=2026-03-01&den=2026-03-31",
            }
            client = logged_in(base)
            try:
                for name, path in pages.items():
                    closed = closed_loop(client, path, args.requests)
                    offered = open_loop(client, path, args.rate, args.seconds)
                    print(
                        f"  {name:<36} closed: p50 {statistics.median(closed) * 1000:6.1f} ms "
                        f"p99 {pct(closed, 0.99) * 1000:6.1f} ms | {args.rate:.0f}/s open: "
                        f"p99 {pct(offered, 0.99) * 1000:6.1f} ms"
                    )
            finally:
                client.close()
        finally:
            child.terminate()
            child.join(timeout=10)
    finally:
        drop()


if __name__ == "__main__":
    main()
