"""End-to-end petitions/s and latency on RabbitMQ + PostgreSQL, next to raw pika in the same run.

    .venv/bin/python bench/bench_e2e_rabbitmq.py [--petitions 1000] [--clients 8] [--threads 16]

Starts the production shape as separate processes (API, relay, worker, two simulated agencies that
answer every transfer with a signed receipt), submits petitions through ``POST /v1/petitions``
and measures, per petition, the time from the POST to the agency's signed receipt being stored
(``deliveries.delivered_at``). Signatures are on everywhere (the transfer is signed by the
gateway, verified and receipted by the agency, the receipt verified by the gateway).

The baseline, measured in the same run on the same broker: raw pika publishing messages of the
same size as the gateway's queue messages with publisher confirms, then consuming and acking them.
It prints both rates and their ratio, and the CPU seconds each process spent per petition (from
/proc), which says what bounds the end-to-end rate.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import pika
from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.conftest import AMQP_URL, PG_ADMIN_URL, delete_broker_names
from tests.e2e.rabbit_cluster import Cluster

MESSAGE_BYTES = 96  # a queue message: {"type": "deliver", "delivery_id": "<uuid>"}


def raw_pika(count: int, size: int, prefix: str) -> tuple[float, float]:
    """Messages/s publishing with confirms (BlockingChannel: one confirm per publish, the plain
    pika way) and consuming with acks (prefetch 100)."""
    connection = pika.BlockingConnection(pika.URLParameters(AMQP_URL))
    channel = connection.channel()
    queue = f"{prefix}.raw"
    channel.queue_declare(queue, durable=True, arguments={"x-queue-type": "quorum"})
    channel.confirm_delivery()
    body = b"x" * size
    properties = pika.BasicProperties(delivery_mode=2)
    started = time.perf_counter()
    for _ in range(count):
        channel.basic_publish("", queue, body, properties)
    publish_rate = count / (time.perf_counter() - started)
    channel.basic_qos(prefetch_count=100)
    received = 0
    started = time.perf_counter()
    for method, _, _ in channel.consume(queue, inactivity_timeout=5):
        if method is None:
            break
        channel.basic_ack(method.delivery_tag)
        received += 1
        if received == count:
            break
    consume_rate = received / (time.perf_counter() - started)
    channel.cancel()
    channel.queue_delete(queue)
    connection.close()
    return publish_rate, consume_rate


def windowed_publish(count: int, size: int, prefix: str) -> float:
    """Messages/s through our transport's publish (a window of outstanding confirms)."""
    from gateway.transport.base import Message
    from gateway.transport.rabbitmq import RabbitTransport

    transport = RabbitTransport(AMQP_URL, prefix=prefix)
    messages = [Message("outbound.bench", b"x" * size, str(uuid.uuid4())) for _ in range(count)]
    try:
        transport.publish(messages[:10])
        started = time.perf_counter()
        for i in range(10, count, 200):  # the relay's batch
            transport.publish(messages[i : i + 200])
        return (count - 10) / (time.perf_counter() - started)
    finally:
        transport.close()


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far (RabbitMQ, PostgreSQL and the other
    tenants of the machine included)."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    tick = os.sysconf("SC_CLK_TCK")
    return (sum(values) - idle) / tick, sum(values) / tick


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--petitions", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--threads", type=int, default=16)
    args = parser.parse_args()

    database = f"pakn_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{database}"'))
    db_url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{database}"
    prefix = f"bench{uuid.uuid4().hex[:6]}"
    home = Path(tempfile.mkdtemp(prefix="pakn-bench-"))
    cluster = Cluster(home, db_url, prefix, worker_threads=args.threads)
    try:
        cluster.setup()
        cluster.start_all()
        cluster.submit(range(10_000, 10_020))  # warm up (adapters, connections, queues)
        time.sleep(2)
        pids = {name: p.pid for name, p in cluster.processes.items()}
        cpu_before = {name: cpu_seconds(pid) for name, pid in pids.items()}
        engine = create_engine(db_url)
        busy_before = machine_busy()
        began = time.time()
        ids = cluster.submit(range(args.petitions), threads=args.clients)
        submitted_at = time.time()
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            with engine.connect() as c:
                done = c.execute(
                    text("SELECT count(*) FROM deliveries WHERE state = 'delivered'")
                ).scalar_one()
            if done >= args.petitions + 20:
                break
            time.sleep(0.2)
        cpu = {name: cpu_seconds(pid) - cpu_before[name] for name, pid in pids.items()}
        busy_after = machine_busy()
        with engine.connect() as c:
            rows = c.execute(
                text(
                    "SELECT p.received_at, d.delivered_at FROM petitions p "
                    "JOIN cases k ON k.petition_id = p.petition_id "
                    "JOIN deliveries d ON d.case_id = k.case_id "
                    "WHERE p.petition_id = ANY(:ids)"
                ),
                {"ids": ids},
            ).all()
            size = c.execute(text("SELECT avg(length(body)) FROM outbox")).scalar_one()
        engine.dispose()
        latencies = sorted((d - r).total_seconds() for r, d in rows if d is not None)
        last = max(d for _, d in rows if d is not None).timestamp()
        e2e_rate = len(latencies) / (last - began)
        codes = cluster.stop_all()
        publish_rate, consume_rate = raw_pika(5000, int(size or MESSAGE_BYTES), prefix)
        windowed_rate = windowed_publish(5000, int(size or MESSAGE_BYTES), prefix)
    finally:
        for process in cluster.processes.values():
            process.kill()
        delete_broker_names(prefix)
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        admin.dispose()

    p50 = statistics.median(latencies)
    p99 = latencies[max(0, int(len(latencies) * 0.99) - 1)]
    print(
        f"machine: {os.cpu_count()} cores; {args.petitions} petitions, {args.clients} API "
        f"clients, worker threads {args.threads}; exit codes {sorted(set(codes.values()))}"
    )
    print(
        f"end to end (POST → agency's signed receipt stored): {e2e_rate:8.1f} petitions/s  "
        f"p50 {p50 * 1000:.0f} ms  p99 {p99 * 1000:.0f} ms  "
        f"(submitting took {submitted_at - began:.1f} s)"
    )
    print(
        f"raw pika, {int(size or MESSAGE_BYTES)} B messages: publish with confirms "
        f"{publish_rate:8.1f} msg/s, consume+ack {consume_rate:8.1f} msg/s"
    )
    print(
        f"our transport's publish (batches of 200, one window of confirms each): "
        f"{windowed_rate:8.1f} msg/s"
    )
    raw = 1 / (1 / publish_rate + 1 / consume_rate)
    print(
        f"raw publish+consume per message: {raw:8.1f} msg/s;  ratio end-to-end / raw = "
        f"{e2e_rate / raw:.3f}"
    )
    total = sum(cpu.values())
    print(
        f"CPU per petition: {total / args.petitions * 1000:.1f} ms in total "
        f"({total / (last - began):.2f} cores busy on average)"
    )
    busy, whole = (a - b for a, b in zip(busy_after, busy_before, strict=True))
    print(
        f"whole machine during the run: {busy / whole * 100:.0f}% of "
        f"{os.cpu_count()} cores busy (other tenants, PostgreSQL and RabbitMQ included)"
    )
    for name, seconds in sorted(cpu.items(), key=lambda kv: -kv[1]):
        print(f"  {name:<14} {seconds / args.petitions * 1000:6.1f} ms/petition")


if __name__ == "__main__":
    main()
