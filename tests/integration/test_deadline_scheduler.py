"""The deadline scheduler on a real database: OVERDUE recorded the moment a deadline passes,
reminders before it, and no double events — even with two schedulers at once on PostgreSQL."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from gateway.bootstrap import bootstrap
from gateway.clock import FixedClock
from gateway.config import Settings
from gateway.service.admin import add_agency
from gateway.service.deadlines import tick_deadlines
from gateway.service.intake import submit_petition
from gateway.service.services import Services
from gateway.store import tables as t
from tests.conftest import AGENCY_A, new_petition
from tests.helpers import query

VN = ZoneInfo("Asia/Ho_Chi_Minh")
# Delivered on Monday 2 Mar 2026, 09:00 in Hà Nội: due at the end of Monday 30 Mar 2026
DELIVERED = datetime(2026, 3, 2, 9, 0, tzinfo=VN).astimezone(UTC)
DUE_AT = datetime(2026, 3, 31, 0, 0, tzinfo=VN)


def services(settings: Settings, url: str, clock: FixedClock) -> Services:
    return bootstrap(settings.with_(database_url=url), clock=clock)


def petition_with_running_clock(svc: Services, i: int = 1) -> int:
    """A petition routed to agency A whose delivery was acknowledged at DELIVERED."""
    from gateway.service.delivery import _start_clock

    submitted = submit_petition(svc, new_petition(i, route_to=(AGENCY_A[0],)))
    with svc.store.unit_of_work() as uow:
        case = uow.cases.for_petition(submitted.petition_id)[0]
        _start_clock(svc, uow, case.case.case_id, DELIVERED)
        uow.commit()
    return case.case.case_id


def events(svc: Services, kind: str) -> list[tuple[int, datetime]]:
    rows = query(
        svc.store.engine,
        select(t.deadline_events.c.case_id, t.deadline_events.c.emitted_at).where(
            t.deadline_events.c.kind == kind
        ),
    )
    return [(r[0], r[1]) for r in rows]


def audit_count(svc: Services, action: str) -> int:
    [(count,)] = query(
        svc.store.engine,
        select(func.count()).select_from(t.audit_events).where(t.audit_events.c.action == action),
    )
    return int(count)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(DELIVERED)


@pytest.fixture
def svc(make_services, clock: FixedClock):
    return make_services(clock=clock, agencies=(AGENCY_A,))


def test_a_case_becomes_overdue_exactly_when_its_deadline_passes(svc, clock):
    case_id = petition_with_running_clock(svc)
    clock.set(DUE_AT - timedelta(seconds=1))
    assert tick_deadlines(svc).overdue == []
    clock.set(DUE_AT)
    assert tick_deadlines(svc).overdue == [case_id]
    assert events(svc, "overdue") == [(case_id, DUE_AT.astimezone(UTC))]
    assert audit_count(svc, "deadline.overdue") == 1


def test_running_the_scheduler_again_emits_nothing_new(svc, clock):
    petition_with_running_clock(svc)
    clock.set(DUE_AT + timedelta(days=2))
    assert len(tick_deadlines(svc).overdue) == 1
    assert tick_deadlines(svc).overdue == []
    assert len(events(svc, "overdue")) == 1


def test_a_reminder_comes_when_three_working_days_are_left(svc, clock):
    case_id = petition_with_running_clock(svc)
    # due Mon 30 Mar: three working days left (Wed 25 excluded… 26, 27, 30) from Thu 26 Mar 00:00
    clock.set(datetime(2026, 3, 25, 23, 59, tzinfo=VN))
    assert tick_deadlines(svc).reminders == []
    clock.set(datetime(2026, 3, 26, 0, 0, tzinfo=VN))
    assert tick_deadlines(svc).reminders == [case_id]
    assert tick_deadlines(svc).reminders == []


def test_a_status_that_restarts_the_clock_gets_its_own_overdue_event_later(svc, clock):
    case_id = petition_with_running_clock(svc)
    clock.set(DUE_AT)
    tick_deadlines(svc)
    with svc.store.unit_of_work() as uow:  # the agency sends news: a new period
        uow.cases.set_deadline(
            case_id,
            clock_start_at=DUE_AT,
            due_date=DUE_AT.date(),
            due_at=DUE_AT + timedelta(days=30),
            calendar_version="v",
        )
        uow.commit()
    with svc.store.unit_of_work() as uow:
        assert uow.deadlines.overdue_petition_ids(limit=10) == []
    clock.set(DUE_AT + timedelta(days=30))
    assert tick_deadlines(svc).overdue == [case_id]
    assert len(events(svc, "overdue")) == 2


@pytest.mark.postgres
def test_two_schedulers_at_once_on_postgresql_never_emit_an_event_twice(settings, pg_url):
    clock = FixedClock(DELIVERED)
    first, second = services(settings, pg_url, clock), services(settings, pg_url, clock)
    try:
        add_agency(first, *AGENCY_A)
        case_ids = {petition_with_running_clock(first, i) for i in range(25)}
        clock.set(DUE_AT + timedelta(hours=1))
        barrier = threading.Barrier(4)
        emitted: list[int] = []
        lock = threading.Lock()

        def run(svc: Services) -> None:
            barrier.wait()
            for _ in range(5):
                tick = tick_deadlines(svc)
                with lock:
                    emitted.extend(tick.overdue)

        threads = [threading.Thread(target=run, args=(s,)) for s in (first, second) * 2]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert sorted(emitted) == sorted(case_ids)  # each case once, whoever emitted it
        assert sorted(c for c, _ in events(first, "overdue")) == sorted(case_ids)
        assert audit_count(first, "deadline.overdue") == len(case_ids)
    finally:
        first.close()
        second.close()


def test_a_case_first_seen_after_its_deadline_gets_overdue_but_no_late_reminder(svc, clock):
    case_id = petition_with_running_clock(svc)
    clock.set(DUE_AT + timedelta(days=1))
    tick = tick_deadlines(svc)
    assert (tick.overdue, tick.reminders) == ([case_id], [])
    assert events(svc, "reminder") == []
