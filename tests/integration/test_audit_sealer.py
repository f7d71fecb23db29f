"""The sealing loop seals every N events, and a failed attempt is retried, never raised."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import text

from gateway.service.audit import seal as sealing
from gateway.service.audit.seal import AuditSealer
from gateway.service.audit.verify import verify_trail
from gateway.service.services import Services
from tests.helpers import wait_until


@pytest.fixture
def svc(make_services):
    return make_services(audit_seal_events=5, audit_seal_minutes=60)


def record(svc: Services, n: int) -> None:
    with svc.store.unit_of_work() as uow:
        for i in range(n):
            uow.audit.record("test.written", actor="test", at=svc.clock.now(), i=i)
        uow.commit()


def sealed_seqs(svc: Services) -> list[int]:
    with svc.store.engine.connect() as c:
        return list(c.execute(text("SELECT seq FROM audit_seals ORDER BY seq")).scalars())


def test_the_loop_seals_every_n_events_and_survives_a_failed_attempt(svc, monkeypatch):
    real_sign = svc.signer.sign
    failures = []

    def flaky_sign(root, parent=None):  # type: ignore[no-untyped-def]
        if not failures:
            failures.append(1)
            raise OSError("the signing device is unavailable")
        return real_sign(root, parent)

    monkeypatch.setattr(svc.signer, "sign", flaky_sign)
    polls: list[object] = []  # what each completed poll of the loop returned

    def counted_seal_now(svc, **kwargs):  # type: ignore[no-untyped-def]
        result = real_seal_now(svc, **kwargs)
        polls.append(result)
        return result

    real_seal_now = sealing.seal_now
    monkeypatch.setattr(sealing, "seal_now", counted_seal_now)
    stop = threading.Event()
    thread = threading.Thread(target=AuditSealer(svc, poll_seconds=0.05).run, args=(stop,))
    thread.start()
    try:
        record(svc, 3)
        assert wait_until(lambda: sealed_seqs(svc) == [3], what="the first seal") and failures
        record(svc, 3)  # events 5-7 (4 is the seal's own event): 3 new, not yet N
        seen = len(polls)  # two more polls: at least one began after these events committed
        wait_until(lambda: len(polls) >= seen + 2, what="two polls after the new events")
        assert sealed_seqs(svc) == [3]
        record(svc, 2)  # events 8-9: 5 new
        wait_until(lambda: len(sealed_seqs(svc)) == 2, what="the seal after 5 new events")
    finally:
        stop.set()
        thread.join(timeout=10)
    assert not thread.is_alive()
    assert sealed_seqs(svc) == [3, 9]
    assert verify_trail(svc).ok
