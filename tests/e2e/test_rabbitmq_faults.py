"""Nothing is lost when processes or the broker die: separate API, relay, worker and agency
processes on PostgreSQL + RabbitMQ, with a worker SIGKILLed at random moments and the broker
stopped and started in the middle of the flow."""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.e2e.rabbit_cluster import AGENCIES, Cluster, broker_queues, rabbitmqctl
from tests.helpers import wait_until

pytestmark = pytest.mark.slow


@pytest.fixture
def cluster(tmp_path: Path, pg_url: str, amqp_prefix: str) -> Iterator[Cluster]:
    made = Cluster(tmp_path, pg_url, amqp_prefix)
    made.setup()
    try:
        yield made
    finally:
        for name in list(made.processes):
            made.kill(name)
        if made.log:
            made.log.close()


def counts(db_url: str) -> dict[str, int]:
    engine = create_engine(db_url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        with engine.connect() as c:
            states = dict(
                c.execute(text("SELECT state, count(*) FROM deliveries GROUP BY state")).all()
            )
            pending = c.execute(text("SELECT count(*) FROM outbox WHERE published_at IS NULL"))
            states["outbox_pending"] = pending.scalar_one()
            dead = c.execute(text("SELECT count(*) FROM dead_letters"))
            states["dead_letters"] = dead.scalar_one()
    finally:
        engine.dispose()
    return {k: int(v) for k, v in states.items()}


def all_delivered(cluster: Cluster, expected: int) -> dict[str, int] | None:
    now = counts(cluster.db_url)
    return now if now.get("delivered", 0) == expected and now["outbox_pending"] == 0 else None


def broker_left(prefix: str) -> dict[str, tuple[int, int]]:
    return {q: n for q, n in broker_queues(prefix).items() if n != (0, 0)}


def assert_nothing_lost(cluster: Cluster, petition_ids: list[str]) -> dict[str, int]:
    """Every petition delivered, applied exactly once by its agency, no outbox row unsent, no
    message left in (or unacked on) the broker."""
    final = counts(cluster.db_url)
    assert final.get("delivered") == len(petition_ids), final
    assert final["outbox_pending"] == 0 and final["dead_letters"] == 0, final
    applied = [a for organ_id, _ in AGENCIES for a in cluster.agency_state(organ_id)["applied"]]
    by_petition: dict[str, int] = {}
    for a in applied:
        by_petition[a["petition_id"]] = by_petition.get(a["petition_id"], 0) + 1
    assert sorted(by_petition) == sorted(petition_ids)  # each applied...
    assert set(by_petition.values()) == {1}  # ... exactly once
    duplicates_absorbed = sum(a["received"] - 1 for a in applied)
    # redelivered duplicates may still be settling: they are acked without effect
    wait_until(
        lambda: not broker_left(cluster.prefix), timeout=30, interval=1, what="an empty broker"
    )
    return {
        "sent": len(petition_ids),
        "delivered": final["delivered"],
        "applied": len(applied),
        "duplicates_applied": 0,
        "lost": 0,
        "duplicate_transfers_absorbed": duplicates_absorbed,
    }


def test_two_thousand_petitions_survive_a_worker_sigkilled_several_times_and_the_relay_once(
    cluster, capsys
):
    cluster.start_all()
    rng = random.Random(20261122)
    total = 2000
    submitted: list[str] = []
    kills = 0
    started = time.monotonic()
    for chunk in range(4):  # submit in chunks so the kills land while work is in flight
        submitted += cluster.submit(range(chunk * 500, (chunk + 1) * 500))
        time.sleep(rng.uniform(0.2, 1.5))
        cluster.kill("worker")
        kills += 1
        if chunk == 1:  # the relay dies once too, wherever it is (publishing, marking sent…)
            cluster.kill("relay")
        time.sleep(rng.uniform(0.1, 0.5))
        cluster.start("worker")
        if chunk == 1:
            cluster.start("relay")
    wait_until(
        lambda: all_delivered(cluster, total), timeout=240, interval=1, what=f"{total} deliveries"
    )
    elapsed = time.monotonic() - started
    report = assert_nothing_lost(cluster, submitted)
    codes = cluster.stop_all()
    assert set(codes.values()) == {0}, codes
    with capsys.disabled():
        print(f"\nworker SIGKILLed {kills}×, relay once: {report} in {elapsed:.0f} s")


def test_the_broker_stopped_and_started_mid_flow_loses_nothing(cluster, capsys):
    cluster.start_all()
    submitted = cluster.submit(range(300))
    try:
        rabbitmqctl("stop_app")
        # while it is down the API still accepts petitions: they wait in the outbox
        during = cluster.submit(range(300, 400))
        assert counts(cluster.db_url)["outbox_pending"] > 0
        time.sleep(2)
    finally:
        rabbitmqctl("start_app")
    rabbitmqctl("await_startup")
    submitted += during + cluster.submit(range(400, 500))
    wait_until(
        lambda: all_delivered(cluster, len(submitted)),
        timeout=180,
        interval=1,
        what="every delivery after the broker came back",
    )
    report = assert_nothing_lost(cluster, submitted)
    codes = cluster.stop_all()
    assert set(codes.values()) == {0}, codes
    with capsys.disabled():
        print(f"\nbroker stop_app/start_app: {report}")


def test_sigterm_lets_the_worker_finish_what_it_holds_and_exit_0(cluster):
    from gateway.runtime.demo import sample_petition

    slow = AGENCIES[0][0]
    cluster.agency_args[slow] = ["--latency", "3"]
    cluster.worker_threads = 2
    cluster.start_all()
    numbers = [i for i in range(20) if sample_petition(i)["route_to"] == [slow]][:4]
    submitted = cluster.submit(numbers)

    def sending() -> bool:
        return counts(cluster.db_url).get("sending", 0) > 0

    wait_until(sending, timeout=30, what="a delivery in flight")
    worker = cluster.processes.pop("worker")
    worker.terminate()  # SIGTERM while a 3 s call is in flight
    assert worker.wait(timeout=30) == 0
    after = counts(cluster.db_url)
    assert after.get("sending", 0) == 0, after  # finished, not abandoned mid-call
    assert after.get("delivered", 0) >= 1, after
    cluster.start("worker")  # the rest were handed back to the queue
    wait_until(
        lambda: all_delivered(cluster, len(submitted)),
        timeout=120,
        interval=1,
        what="the remaining deliveries",
    )
    assert_nothing_lost(cluster, submitted)
    assert set(cluster.stop_all().values()) == {0}
