"""Working days and the 20-working-day deadline on the Vietnamese calendar."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from gateway.calendar_source import build_calendar, parse_overrides
from gateway.domain.calendar import WorkingCalendar, deadline_from
from gateway.errors import ConfigurationError

VN = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture(scope="module")
def calendar() -> WorkingCalendar:
    return build_calendar()


@pytest.mark.parametrize(
    ("received", "due"),
    [
        # an ordinary period: four weeks of Monday–Friday
        (date(2026, 3, 2), date(2026, 3, 30)),
        # received the Friday before Tết 2026 (16–20 Feb off): the five Tết days are skipped
        (date(2026, 2, 13), date(2026, 3, 20)),
        # received on a Saturday: counting starts on Monday
        (date(2026, 3, 7), date(2026, 4, 3)),
        # over Hùng Kings (observed Mon 27 Apr 2026), 30/4 and 1/5
        (date(2026, 4, 20), date(2026, 5, 21)),
        # over 2/9 2025 (1–2 Sep off)
        (date(2025, 8, 29), date(2025, 9, 30)),
        # the announced swap: Fri 2 Jan 2026 off, Sat 10 Jan 2026 worked
        (date(2025, 12, 31), date(2026, 1, 29)),
    ],
)
def test_due_date_is_the_20th_working_day_after_receipt(calendar, received, due):
    assert calendar.add_working_days(received) == due


def test_the_working_saturday_of_the_swap_counts_and_the_day_off_does_not(calendar):
    assert calendar.is_working_day(date(2026, 1, 10))
    assert not calendar.is_working_day(date(2026, 1, 2))


def test_an_explanation_lists_the_skipped_days_with_their_reason(calendar):
    explanation = calendar.explain(date(2026, 2, 13))
    reasons = {s.day: s.reason for s in explanation.skipped}
    assert "Tết" in reasons[date(2026, 2, 17)]
    assert len(explanation.counted) == 20
    assert explanation.due == explanation.counted[-1]


def test_a_deadline_ends_at_midnight_local_after_the_due_date_and_records_the_calendar(calendar):
    # 16:30 UTC is 23:30 on Friday 6 Mar 2026 in Hà Nội; counting starts on Monday 9 Mar
    deadline = deadline_from(datetime(2026, 3, 6, 16, 30, tzinfo=UTC), calendar, VN)
    assert deadline.due_date == date(2026, 4, 3)
    assert deadline.due_at == datetime(2026, 4, 4, 0, 0, tzinfo=VN)
    assert deadline.calendar_version == calendar.version


def test_the_day_of_receipt_is_taken_in_vietnam_time_not_utc(calendar):
    # 20:00 UTC on Sunday 1 Mar 2026 is 03:00 on Monday 2 Mar in Hà Nội: Monday is not counted
    deadline = deadline_from(datetime(2026, 3, 1, 20, 0, tzinfo=UTC), calendar, VN)
    assert deadline.due_date == date(2026, 3, 30)


def test_an_overrides_file_that_names_a_day_both_off_and_worked_is_refused():
    with pytest.raises(ConfigurationError):
        parse_overrides(b"[[day_off]]\ndate = 2026-01-02\n[[working_day]]\ndate = 2026-01-02\n")


def test_changing_the_overrides_changes_the_calendar_version():
    assert build_calendar(b"").version != build_calendar().version
