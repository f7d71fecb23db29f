"""The report's pure parts: quarters, the Wilson interval and percentiles, folding events into
cases as of a cut-off, and the one rule per figure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from gateway.domain.reports import (
    AgencyFigures,
    CaseEvent,
    EventKind,
    Figure,
    Quarter,
    Stats,
    Thresholds,
    classify,
    fold,
    percentile,
    rank,
    wilson,
)
from gateway.errors import InputInvalid

VN = ZoneInfo("Asia/Ho_Chi_Minh")
T0 = datetime(2026, 7, 1, 9, 0, tzinfo=VN)


def days(n: float) -> datetime:
    return T0 + timedelta(days=n)


def calendar_days(since: datetime, until: datetime) -> int:
    return (until.date() - since.date()).days


def test_quarters_parse_print_and_bound_in_vietnam_time():
    q = Quarter.parse("2026Q3")
    assert (str(q), q.label) == ("2026Q3", "quý III năm 2026")
    assert q.start(VN) == datetime(2026, 7, 1, tzinfo=VN)
    assert q.end(VN) == datetime(2026, 10, 1, tzinfo=VN) == q.next().start(VN)
    assert q.previous() == Quarter(2026, 2) and Quarter(2026, 1).previous() == Quarter(2025, 4)
    assert Quarter.containing(datetime(2026, 9, 30, 17, 30, tzinfo=UTC), VN) == Quarter(2026, 4)
    for bad in ("2026Q5", "2026", "Q3", "1999Q1", "2026Q3 ; drop"):
        with pytest.raises(InputInvalid):
            Quarter.parse(bad)


def test_the_wilson_interval_is_narrow_for_many_trials_and_wide_for_few():
    assert wilson(0, 0) is None
    low, high = wilson(3, 3)  # type: ignore[misc]
    assert low < 0.45 and high == 1.0
    low, high = wilson(95, 100)  # type: ignore[misc]
    assert 0.88 < low < 0.89 and 0.97 < high < 0.99
    assert percentile([], 0.5) is None
    assert percentile([1, 2, 3, 4], 0.5) == 2.5 and percentile([5], 0.9) == 5


def events(*items: tuple[float, EventKind, dict]) -> list[CaseEvent]:
    return [
        CaseEvent(at=days(d), kind=k, petition_id="p", case_id=1, **extra) for d, k, extra in items
    ]


ROUTED = (0, EventKind.ROUTED, {"organ_id": "A"})


def test_a_case_replied_after_an_overdue_period_is_late_and_counted_once():
    case = fold(
        events(
            ROUTED,
            (0.2, EventKind.RECEIVED_BY_AGENCY, {}),
            (30, EventKind.OVERDUE, {}),
            (35, EventKind.CHANGED, {"state": "replied", "by_agency": True}),
        ),
        days(90),
    )[1]
    figures = classify(case, days(0), days(90), calendar_days, 20)
    assert {Figure.TRANSFERRED, Figure.REPLIED, Figure.DUE, Figure.LATE, Figure.OVERDUE_EVENTS} == (
        figures
    )
    assert case.clock_start == days(0.2)


def test_the_cut_off_hides_what_came_after_it():
    history = events(
        ROUTED,
        (1, EventKind.CHANGED, {"state": "accepted", "by_agency": True}),
        (40, EventKind.OVERDUE, {}),
        (95, EventKind.CHANGED, {"state": "replied", "by_agency": True}),
    )
    at_end = fold(history, days(92))[1]
    assert at_end.replied_at is None and at_end.awaiting_at(days(92))
    figures = classify(at_end, days(0), days(92), calendar_days, 20)
    assert {Figure.OVERDUE_BACKLOG, Figure.SILENT, Figure.DUE, Figure.LATE} <= figures
    later = fold(history, days(100))[1]
    assert later.replied_at == days(95)


def test_news_after_an_overdue_mark_takes_the_case_out_of_the_backlog():
    case = fold(
        events(
            ROUTED,
            (30, EventKind.OVERDUE, {}),
            (31, EventKind.CHANGED, {"state": "processing", "by_agency": True}),
        ),
        days(40),
    )[1]
    figures = classify(case, days(0), days(40), calendar_days, 20)
    assert Figure.OVERDUE_BACKLOG not in figures and Figure.SILENT not in figures


def figures(organ_id: str, on_time: int, due: int, silent: int = 0) -> AgencyFigures:
    low, high = wilson(on_time, due) or (None, None)
    return AgencyFigures(
        organ_id, organ_id, due, on_time, on_time, due - on_time, due,
        on_time / due if due else None, low, high, Stats(0, None, None), 0, 0, 0, silent, 0,
    )  # fmt: skip


def test_ranking_names_and_commends_only_on_enough_petitions_with_the_rule_printed():
    named, commended = rank(
        [figures("late", 5, 40), figures("tiny", 0, 3), figures("good", 98, 100),
         figures("silent", 30, 40, silent=6), figures("average", 28, 40)],
        Thresholds(),
    )  # fmt: skip
    assert [n.organ_id for n in named] == ["late", "silent"]
    assert [c.organ_id for c in commended] == ["good"]
    assert "5/40" in named[0].rule and "dưới ngưỡng 60%" in named[0].rule
    assert "6 hồ sơ" in named[1].rule
    assert "cận dưới" in commended[0].rule
