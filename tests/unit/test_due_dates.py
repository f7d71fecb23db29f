"""The 20-working-day due date across 2025–2027, checked against a table worked out by hand from
the Government's announced holidays and swaps (not from the `holidays` package the code uses),
plus properties that hold for any receipt time."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.calendar_source import build_calendar
from gateway.domain.calendar import deadline_from

VN = ZoneInfo("Asia/Ho_Chi_Minh")
CALENDAR = build_calendar()  # the shipped calendar: holidays (VN) + the overrides file

DUE_DATES = [
    # 2025
    (date(2025, 1, 2), date(2025, 2, 6), "after New Year 2025, over Tết 2025 (25 Jan–2 Feb)"),
    (date(2025, 1, 17), date(2025, 2, 21), "a Friday; the period spans Tết 2025"),
    (date(2025, 1, 24), date(2025, 2, 28), "the last working day before Tết 2025"),
    (date(2025, 1, 27), date(2025, 2, 28), "received on 29 Tết 2025 (a day off)"),
    (date(2025, 1, 29), date(2025, 2, 28), "received on Mùng một Tết 2025"),
    (date(2025, 2, 1), date(2025, 2, 28), "received on a Saturday inside Tết 2025"),
    (date(2025, 3, 14), date(2025, 4, 14), "over Hùng Kings 2025 (Mon 7 Apr)"),
    (date(2025, 4, 7), date(2025, 5, 7), "received on Hùng Kings' day 2025"),
    (date(2025, 4, 11), date(2025, 5, 13), "over 30/4–1/5 2025: Fri 2 May off, Sat 26 Apr worked"),
    (date(2025, 4, 25), date(2025, 5, 27), "the Friday before the worked Saturday 26 Apr 2025"),
    (date(2025, 4, 26), date(2025, 5, 28), "received on the worked Saturday 26 Apr 2025"),
    (date(2025, 4, 30), date(2025, 5, 30), "received on 30/4 2025"),
    (date(2025, 5, 2), date(2025, 5, 30), "received on the swapped day off Fri 2 May 2025"),
    (date(2025, 8, 15), date(2025, 9, 16), "over 2/9 2025 (Mon 1 and Tue 2 Sep)"),
    (date(2025, 8, 29), date(2025, 9, 30), "the Friday before the 2/9 2025 long weekend"),
    (date(2025, 9, 2), date(2025, 9, 30), "received on Quốc khánh 2025"),
    (date(2025, 12, 5), date(2026, 1, 6), "over New Year 2026 and the 2 Jan 2026 swap"),
    (date(2025, 12, 31), date(2026, 1, 29), "swap: Fri 2 Jan 2026 off, Sat 10 Jan 2026 worked"),
    # 2026
    (date(2026, 1, 1), date(2026, 1, 29), "received on New Year's Day 2026"),
    (date(2026, 1, 2), date(2026, 1, 29), "received on the swapped day off 2 Jan 2026"),
    (date(2026, 1, 9), date(2026, 2, 5), "the Friday before the worked Saturday 10 Jan 2026"),
    (date(2026, 1, 10), date(2026, 2, 6), "received on the worked Saturday 10 Jan 2026"),
    (date(2026, 1, 30), date(2026, 3, 6), "over Tết 2026 (14–22 Feb)"),
    (date(2026, 2, 13), date(2026, 3, 20), "the last working day before Tết 2026"),
    (date(2026, 2, 17), date(2026, 3, 20), "received on Mùng một Tết 2026"),
    (date(2026, 2, 21), date(2026, 3, 20), "received on a Saturday inside Tết 2026"),
    (date(2026, 3, 2), date(2026, 3, 30), "an ordinary Monday: four plain weeks"),
    (date(2026, 3, 7), date(2026, 4, 3), "received on a Saturday: counting starts Monday"),
    (date(2026, 3, 8), date(2026, 4, 3), "received on a Sunday: counting starts Monday"),
    (date(2026, 4, 20), date(2026, 5, 21), "over Hùng Kings (observed Mon 27 Apr 2026), 30/4, 1/5"),
    (date(2026, 4, 27), date(2026, 5, 27), "received on the observed Hùng Kings' day 2026"),
    (date(2026, 4, 30), date(2026, 5, 29), "received on 30/4 2026"),
    (date(2026, 8, 14), date(2026, 9, 15), "over the worked Sat 22 Aug and 31 Aug–2 Sep 2026"),
    (date(2026, 9, 1), date(2026, 9, 30), "received inside the 2/9 2026 holiday"),
    (date(2026, 11, 10), date(2026, 12, 9), "over Ngày Văn hóa Việt Nam, 24 Nov 2026"),
    (date(2026, 12, 18), date(2027, 1, 18), "over New Year 2027 (Fri 1 Jan)"),
    # 2027
    (date(2027, 1, 22), date(2027, 2, 26), "over Tết 2027 (4–10 Feb)"),
    (date(2027, 2, 3), date(2027, 3, 10), "the last working day before Tết 2027"),
    (date(2027, 2, 6), date(2027, 3, 10), "received on Mùng một Tết 2027 (a Saturday)"),
    (date(2027, 4, 2), date(2027, 5, 5), "over Hùng Kings 2027 (Fri 16 Apr) and 30/4–3/5"),
    (date(2027, 4, 16), date(2027, 5, 18), "received on Hùng Kings' day 2027"),
    (date(2027, 5, 1), date(2027, 5, 31), "received on 1/5 2027, a Saturday observed Mon 3 May"),
    (date(2027, 8, 20), date(2027, 9, 21), "over 2/9 2027 (Thu 2 and Fri 3 Sep)"),
]

# Receipt times in Hà Nội: the local day decides, however late (or early in UTC) it is.
DUE_AT_TIMES = [
    (datetime(2026, 3, 6, 23, 30, tzinfo=VN), date(2026, 4, 3), "late on a Friday"),
    (datetime(2026, 3, 6, 17, 45, tzinfo=VN), date(2026, 4, 3), "after office hours, Friday"),
    (datetime(2026, 2, 13, 23, 59, tzinfo=VN), date(2026, 3, 20), "late Friday before Tết"),
    (datetime(2026, 3, 2, 0, 5, tzinfo=VN), date(2026, 3, 30), "just after midnight Monday"),
    (datetime(2026, 3, 1, 20, 0, tzinfo=UTC), date(2026, 3, 30), "Sunday in UTC, Monday in VN"),
]


def test_the_table_has_at_least_forty_cases_across_2025_to_2027():
    assert len(DUE_DATES) + len(DUE_AT_TIMES) >= 40
    assert {received.year for received, _, _ in DUE_DATES} == {2025, 2026, 2027}


@pytest.mark.parametrize(
    ("received", "due", "why"), DUE_DATES, ids=[f"{r}" for r, _, _ in DUE_DATES]
)
def test_due_date_is_the_end_of_the_20th_working_day_after_receipt(received, due, why):
    assert CALENDAR.add_working_days(received) == due, why


@pytest.mark.parametrize(
    ("received_at", "due", "why"), DUE_AT_TIMES, ids=[w for _, _, w in DUE_AT_TIMES]
)
def test_the_receipt_day_is_taken_in_vietnam_time(received_at, due, why):
    deadline = deadline_from(received_at, CALENDAR, VN)
    assert deadline.due_date == due, why
    assert deadline.due_at == datetime.combine(
        due + timedelta(days=1), datetime.min.time(), tzinfo=VN
    )


moments = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
)


@settings(max_examples=300, deadline=None)
@given(received=moments, days=st.integers(min_value=1, max_value=40))
def test_a_due_date_is_always_a_working_day(received, days):
    deadline = deadline_from(received, CALENDAR, VN, days)
    assert CALENDAR.is_working_day(deadline.due_date)
    assert deadline.due_date > received.astimezone(VN).date()


@settings(max_examples=300, deadline=None)
@given(first=moments, later_by=st.timedeltas(min_value=timedelta(0), max_value=timedelta(60)))
def test_a_later_status_never_makes_the_due_date_earlier(first, later_by):
    before = deadline_from(first, CALENDAR, VN)
    after = deadline_from(first + later_by, CALENDAR, VN)
    assert after.due_date >= before.due_date
    assert after.due_at >= before.due_at


@settings(max_examples=200, deadline=None)
@given(received=moments)
def test_an_explanation_counts_exactly_the_period_and_skips_only_days_off(received):
    start = received.astimezone(VN).date()
    explanation = CALENDAR.explain(start)
    assert len(explanation.counted) == 20
    assert all(CALENDAR.is_working_day(d) for d in explanation.counted)
    assert all(not CALENDAR.is_working_day(s.day) and s.reason for s in explanation.skipped)
    span = (explanation.due - start).days
    assert span == len(explanation.counted) + len(explanation.skipped)
