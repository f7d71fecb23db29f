"""Concurrent writers never fork the chain: appends are serialised on the chain head."""

from __future__ import annotations

import threading

from sqlalchemy import text

from gateway.service.audit.seal import seal_now
from gateway.service.audit.verify import verify_trail

WRITERS = 8
TRANSACTIONS = 25


def test_concurrent_transactions_and_a_sealer_append_one_unbroken_chain(svc):
    start = threading.Barrier(WRITERS + 1)
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            start.wait()
            for i in range(TRANSACTIONS):
                with svc.store.unit_of_work() as uow:
                    for part in ("a", "b"):
                        uow.audit.record(
                            "test.written", actor=f"writer-{n}", at=svc.clock.now(), i=i, part=part
                        )
                    uow.commit()
        except BaseException as e:  # reported below, not lost in the thread
            errors.append(e)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    start.wait()
    seals = 0
    while any(thread.is_alive() for thread in threads):
        seals += seal_now(svc, force=True) is not None
    for thread in threads:
        thread.join()
    assert not errors, errors
    with svc.store.engine.connect() as c:
        rows = c.execute(text("SELECT seq, actor, details FROM audit_events ORDER BY seq")).all()
    assert [r.seq for r in rows] == list(range(1, len(rows) + 1))
    written = [r for r in rows if r.actor.startswith("writer-")]
    assert len(written) == WRITERS * TRANSACTIONS * 2
    # each transaction's two events stay adjacent: nothing interleaves inside one commit
    for first, second in zip(written[::2], written[1::2], strict=True):
        assert first.actor == second.actor and second.seq == first.seq + 1
    report = verify_trail(svc)
    assert report.ok, report.problems[:3]
    assert report.seals == seals >= 1
