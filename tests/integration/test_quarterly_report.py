"""The quarterly report on a seeded data set (tests/report_seed.py: 5,000 petitions over two
quarters across 25 agencies on SQLite, a smaller set on PostgreSQL), made through the real use
cases with a controlled clock. Its figures are checked against an independent computation from
the stored tables (cases, documents, deadline events, returns, deliveries — not the audit events
the report reads); an agency with 3 petitions is never named; a closed quarter's figures do not
change when the next quarter's events arrive; any figure can be traced to its cases."""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from gateway.bootstrap import bootstrap
from gateway.clock import FixedClock
from gateway.config import Settings
from gateway.domain.reports import Figure, Quarter, QuarterlyReport, Thresholds, rank
from gateway.service.reports import explain, quarterly_report, working_days_counter
from gateway.service.services import Services
from gateway.store import tables as t
from signing import DevPki
from tests.conftest import fresh_pg_database
from tests.helpers import query
from tests.report_seed import FEW, VN, Seeded, seed


@dataclass
class World:
    svc: Services
    clock: FixedClock
    seeded: Seeded
    first_at_its_end: QuarterlyReport
    """The first quarter's report, computed the moment it ended."""
    settings: Settings


@pytest.fixture(
    scope="module",
    params=[
        pytest.param(("sqlite", 2500), id="sqlite-5000"),
        pytest.param(("postgresql", 150), id="postgresql-300", marks=pytest.mark.postgres),
    ],
)
def world(request: pytest.FixtureRequest, tmp_path_factory, pki_dir: Path) -> Iterator[World]:
    backend, per_quarter = request.param
    home = tmp_path_factory.mktemp("report")
    with _database(backend, home) as url:
        settings = Settings(home=home, pki_dir=pki_dir, database_url=url)
        clock = FixedClock(datetime.now(VN))
        svc = bootstrap(settings, clock=clock)
        reports: list[QuarterlyReport] = []
        seeded = seed(
            svc,
            clock,
            DevPki(pki_dir),
            per_quarter=per_quarter,
            between=lambda s: reports.append(quarterly_report(svc, s.quarters[0])),
        )
        try:
            yield World(svc, clock, seeded, reports[0], settings)
        finally:
            svc.close()


def _database(backend: str, home: Path):  # type: ignore[no-untyped-def]
    if backend == "postgresql":
        return fresh_pg_database()
    from contextlib import nullcontext

    return nullcontext(f"sqlite:///{home / 'gateway.db'}")


# -- an independent computation, from the tables ---------------------------------------------


@dataclass
class Expected:
    transferred: int = 0
    replied: int = 0
    on_time: int = 0
    due: int = 0
    overdue_events: int = 0
    overdue_backlog: int = 0
    returns: int = 0
    silent: int = 0


def independent(svc: Services, quarter: Quarter) -> dict[str, Expected]:
    """Per-agency figures computed from the stored rows (not the audit events), as of the end
    of ``quarter``."""
    start, end = quarter.start(svc.zone), quarter.end(svc.zone)
    engine = svc.store.engine
    counter = working_days_counter(svc)
    cases = query(engine, select(t.cases.c.case_id, t.cases.c.organ_id, t.cases.c.created_at))
    inbound: dict[int, list[tuple[datetime, str]]] = {}
    for case_id, created_at, kind in query(
        engine,
        select(t.documents.c.case_id, t.documents.c.created_at, t.documents.c.kind).where(
            t.documents.c.direction == "in", t.documents.c.case_id.is_not(None)
        ),
    ):
        inbound.setdefault(case_id, []).append((created_at, kind))
    overdue: dict[int, list[datetime]] = {}
    for case_id, emitted_at in query(
        engine,
        select(t.deadline_events.c.case_id, t.deadline_events.c.emitted_at).where(
            t.deadline_events.c.kind == "overdue"
        ),
    ):
        overdue.setdefault(case_id, []).append(emitted_at)
    returned = dict(query(engine, select(t.case_returns.c.case_id, t.case_returns.c.returned_at)))
    delivered = dict(query(engine, select(t.deliveries.c.case_id, t.deliveries.c.delivered_at)))
    result: dict[str, Expected] = {}
    for case_id, organ_id, created_at in cases:
        e = result.setdefault(organ_id, Expected())
        if created_at >= end:
            continue
        docs = sorted(d for d in inbound.get(case_id, []) if d[0] < end)
        replies = [at for at, kind in docs if kind == "reply"]
        late_marks = [at for at in overdue.get(case_id, []) if at < end]
        e.transferred += start <= created_at < end
        e.overdue_events += sum(1 for at in late_marks if at >= start)
        back = returned.get(case_id)
        e.returns += back is not None and start <= back < end
        if replies and start <= replies[0] < end:
            e.replied += 1
            e.due += 1
            e.on_time += not any(at < replies[0] for at in late_marks)
        awaiting = not replies and (back is None or back >= end)
        if awaiting:
            news = docs[-1][0] if docs else delivered.get(case_id) or created_at
            if any(at > news for at in late_marks):
                e.overdue_backlog += 1
                e.due += 1
            e.silent += counter(news, end) > 20
    return result


def test_the_report_figures_match_an_independent_computation(world: World):
    for quarter in world.seeded.quarters:
        report = quarterly_report(world.svc, quarter)
        expected = independent(world.svc, quarter)
        got = {
            a.organ_id: Expected(
                a.transferred, a.replied, a.on_time, a.due, a.overdue_events,
                a.overdue_backlog, a.returns, a.silent,
            )
            for a in report.agencies
        }  # fmt: skip
        assert got == expected, quarter
        assert report.closed and len(report.agencies) == 25
        assert all(a.late == a.due - a.on_time for a in report.agencies)


def test_the_totals_match_the_stored_petitions(world: World):
    svc = world.svc
    escalated: Counter[str] = Counter()
    rerouted = 0
    for quarter in world.seeded.quarters:
        start, end = quarter.start(svc.zone), quarter.end(svc.zone)
        rows = query(
            svc.store.engine,
            select(t.petitions.c.portal, t.petitions.c.category).where(
                t.petitions.c.received_at >= start, t.petitions.c.received_at < end
            ),
        )
        report = quarterly_report(svc, quarter)
        totals = report.totals
        assert totals.received == len(rows)
        assert totals.received_by_channel == dict(sorted(Counter(r[0] for r in rows).items()))
        assert totals.received_by_category == dict(sorted(Counter(r[1] for r in rows).items()))
        assert totals.transferred == sum(a.transferred for a in report.agencies)
        assert totals.returned == sum(a.returns for a in report.agencies)
        assert 0 < totals.published < totals.replied
        assert totals.open_at_end == sum(a.open_at_end for a in report.agencies)
        escalated.update(totals.escalated_by_reason)
        rerouted += totals.rerouted
    assert escalated["government_authority"] > 0 and rerouted > 0
    assert len(world.seeded.petitions) >= (5000 if world.svc.store.dialect == "sqlite" else 300)


def test_an_agency_with_three_petitions_is_never_named_though_it_answered_none(world: World):
    first = quarterly_report(world.svc, world.seeded.quarters[0])
    few = [a for a in first.agencies if world.seeded.agencies[a.organ_id] is FEW]
    assert len(few) == 2 and all(a.transferred == 3 and a.on_time == 0 for a in few)
    named = {listing.organ_id for listing in first.named + first.commended}
    assert not named & {a.organ_id for a in few}
    # the rule is what protects them: without the minimum they would be named
    careless, _ = rank(list(first.agencies), Thresholds(min_petitions=1))
    assert {a.organ_id for a in few} <= {listing.organ_id for listing in careless}


def test_named_and_commended_agencies_carry_the_rule_that_put_them_there(world: World):
    if world.svc.store.dialect != "sqlite":
        pytest.skip("the small PostgreSQL set has too few petitions per agency to rank")
    for quarter in world.seeded.quarters:
        report = quarterly_report(world.svc, quarter)
        by_id = {a.organ_id: a for a in report.agencies}
        profiles = world.seeded.agencies
        assert report.named and report.commended
        for listing in report.named:
            figures = by_id[listing.organ_id]
            assert profiles[listing.organ_id].name in {"slow", "silent", "mixed"}
            assert f"{figures.on_time}/{figures.due}" in listing.rule
            assert figures.due >= report.thresholds.min_petitions
        for listing in report.commended:
            figures = by_id[listing.organ_id]
            assert profiles[listing.organ_id].name in {"fast", "good", "returning"}
            assert figures.on_time_low is not None and figures.on_time_low >= 0.85
            assert "cận dưới" in listing.rule


def test_a_closed_quarter_gives_the_same_figures_after_the_next_quarters_events(world: World):
    first = world.seeded.quarters[0]
    fresh = bootstrap(world.settings, clock=world.clock)  # nothing cached
    try:
        again = quarterly_report(fresh, first)
    finally:
        fresh.close()
    assert again.computed_at > world.first_at_its_end.computed_at
    assert dataclasses.replace(again, computed_at=world.first_at_its_end.computed_at) == (
        world.first_at_its_end
    )
    # and the next quarter's events did arrive for the first quarter's cases
    second = quarterly_report(world.svc, world.seeded.quarters[1])
    assert second.totals.replied > sum(a.transferred for a in second.agencies) * 0.5


def test_every_figure_traces_to_the_cases_behind_it(world: World):
    quarter = world.seeded.quarters[0]
    report = quarterly_report(world.svc, quarter)
    figure_fields = {
        Figure.TRANSFERRED: "transferred",
        Figure.REPLIED: "replied",
        Figure.ON_TIME: "on_time",
        Figure.LATE: "late",
        Figure.DUE: "due",
        Figure.OVERDUE_EVENTS: "overdue_events",
        Figure.OVERDUE_BACKLOG: "overdue_backlog",
        Figure.RETURNS: "returns",
        Figure.SILENT: "silent",
    }
    for agency in report.agencies[::6]:
        for figure, name in figure_fields.items():
            traced = explain(world.svc, quarter, agency.organ_id, figure)
            assert len(traced) == getattr(agency, name), (agency.organ_id, figure)
            assert all(c.organ_id == agency.organ_id for c in traced)


def test_vpcp_routing_time_is_kept_apart_from_the_agencies(world: World):
    report = quarterly_report(world.svc, world.seeded.quarters[0])
    routing = report.routing
    assert routing.first_transfer.count == report.totals.transferred - routing.reroute.count
    assert routing.reroute.count == report.totals.rerouted
    assert routing.first_transfer.p90 is not None and routing.first_transfer.p90 >= 1
    assert report.backlog and report.backlog[-1].value == report.totals.open_at_end
    assert sum(p.value for p in report.handling_days) == report.totals.replied
    assert report.contributions and all(c.agencies for c in report.contributions)
