"""Verifying the audit trail: chain events per second on a log of 1,000,000 events, and stored
documents re-verified per second — each against a baseline measured in the same run.

    .venv/bin/python bench/bench_audit.py [--events 1000000] [--database-url URL]

(an existing database with at least that many events is reused, not rebuilt)

- chain: ``gateway audit verify``'s chain pass (keyset-paginated reads from the database, the
  canonical form recomputed, two SHA-256 per event, links checked), timed at growing prefixes of
  the log to show how the time grows with its size; baseline: ``hashlib.sha256`` of the same
  canonical bytes plus the link hash, in memory (the floor for any implementation of this chain);
- documents: the per-document check (SHA-256 of the exact bytes + full XML-DSig verification of a
  ~4 KiB signed edXML package); baseline: cryptography's raw RSA-2048 verify of the same bytes.

The log is built through the real append path (``uow.audit.record`` and commit), 10,000 events per
transaction, on SQLite by default (a fresh temporary file).
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from gateway.bootstrap import bootstrap
from gateway.config import Settings
from gateway.domain.audit import ChainChecker, Report, canonical
from gateway.service.audit.verify import _no_cyclic_gc, check_document
from schemas import edxml, xml

ACTIONS = (
    "petition.received",
    "petition.routed",
    "document.signed",
    "delivery.queued",
    "delivery.delivered",
    "document.received",
    "case.changed",
    "receipt.issued",
)
BATCH = 10_000


def build(svc, events: int) -> None:  # type: ignore[no-untyped-def]
    start = datetime(2026, 1, 5, 1, 0, tzinfo=UTC)
    done = 0
    while done < events:
        n = min(BATCH, events - done)
        with svc.store.unit_of_work() as uow:
            for i in range(done, done + n):
                doc = f"{i:08d}-0000-4000-8000-000000000000" if i % 4 == 2 else None
                uow.audit.record(
                    ACTIONS[i % len(ACTIONS)],
                    actor="gateway" if i % 3 else "agency:000.00.00.G17",
                    at=start + timedelta(milliseconds=37 * i),
                    petition_id=f"p-{i // 12:010d}",
                    case_id=i // 12,
                    document_id=doc,
                    organ_id="000.00.00.G17",
                    sha256=hashlib.sha256(str(i).encode()).hexdigest() if doc else None,
                    kind="status",
                    state="processing",
                    attempts=1,
                )
            uow.commit()  # the store appends the batch to the chain, as for any unit of work
        done += n
        print(f"\r  building the log: {done:,}/{events:,} events", end="", flush=True)
    print()


def chain_rate(svc, upto: int) -> float:  # type: ignore[no-untyped-def]
    report = Report()
    checker = ChainChecker(report)
    started = time.perf_counter()
    with _no_cyclic_gc(), svc.store.unit_of_work() as uow:  # as verify_trail does
        for rows in uow.audit.stream(from_seq=None, to_seq=upto):
            checker.feed(rows)
    elapsed = time.perf_counter() - started
    assert report.ok and report.events == upto, report.problems[:3]
    return upto / elapsed


def baseline_rate(svc, count: int) -> float:  # type: ignore[no-untyped-def]
    with svc.store.unit_of_work() as uow:
        rows = next(uow.audit.stream(from_seq=None, to_seq=count, batch=count))
    blobs = [canonical(*r[:10]) for r in rows]
    prev = bytes(32)
    sha256 = hashlib.sha256
    started = time.perf_counter()
    for blob in blobs:
        prev = sha256(prev + sha256(blob).digest()).digest()
    return len(blobs) / (time.perf_counter() - started)


def documents(svc, seconds: float = 3.0) -> tuple[float, float, int]:  # type: ignore[no-untyped-def]
    root = edxml.encode_status(
        edxml.StatusPackage(
            edxml.Organ("000.00.00.G22", organ_name="Văn phòng Chính phủ"),
            edxml.ResponseFor("000.00.00.G17", document_id="000.00.00.G22,2026/01/05,1/VPCP-PAKN"),
            edxml.StatusCode("03"),
            datetime(2026, 1, 5, 9),
            description="Tiếp nhận " * 330,
        )
    )
    body = svc.signer.sign(root, edxml.header_of(root))
    digest = hashlib.sha256(body).hexdigest()
    at = datetime.now(UTC)
    key = svc.signer.key_pair
    unsigned = xml.tostring(root)
    signature = key.private_key.sign(unsigned, padding.PKCS1v15(), hashes.SHA256())
    public = key.certificate.public_key()

    def rate(action) -> float:  # type: ignore[no-untyped-def]
        count, started = 0, time.perf_counter()
        while (elapsed := time.perf_counter() - started) < seconds:
            action()
            count += 1
        return count / elapsed

    ours = rate(lambda: check_document(svc, body, digest, at, legacy=False, chained={digest}))
    raw = rate(lambda: public.verify(signature, unsigned, padding.PKCS1v15(), hashes.SHA256()))
    return ours, raw, len(body)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="bench-audit-"))
    svc = bootstrap(Settings(home=home, database_url=args.database_url))
    try:
        print(f"database: {svc.store.dialect}; log: {args.events:,} events")
        with svc.store.unit_of_work() as uow:
            present = uow.audit.head()[0]
        if present == 0:
            started = time.perf_counter()
            build(svc, args.events)
            print(
                f"  built in {time.perf_counter() - started:.1f} s "
                f"({args.events / (time.perf_counter() - started):,.0f} events/s appended)"
            )
        elif present < args.events:
            raise SystemExit(f"the database holds {present:,} events, fewer than --events")
        else:
            print(f"  reusing the {present:,} events already in the database")
        baseline = baseline_rate(svc, min(args.events, 200_000))
        print(f"baseline sha256 chain in memory {baseline:10,.0f} events/s")
        sizes = sorted({s for s in (args.events // 10, args.events // 2, args.events) if s})
        for size in sizes:
            ours = chain_rate(svc, size)
            print(
                f"chain verify, first {size:>9,} events {ours:10,.0f} events/s "
                f"({size / ours:6.1f} s) | ratio to baseline {ours / baseline:.3f}"
            )
        ours, raw, size = documents(svc)
        print(
            f"documents re-verified ({size:,} B signed edXML) {ours:8,.0f}/s | "
            f"baseline RSA-2048 verify {raw:8,.0f}/s | ratio {ours / raw:.3f}"
        )
    finally:
        svc.close()


if __name__ == "__main__":
    main()
