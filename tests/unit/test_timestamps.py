"""The time policy as data: which times an agency may claim (gateway.domain.timestamps)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from gateway.domain.timestamps import TimeWindow, instant

VN = timezone(timedelta(hours=7))
RECEIVED = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # 09:00 in Hà Nội
NOW = datetime(2026, 3, 4, 3, 0, tzinfo=UTC)  # 10:00 in Hà Nội
WINDOW = TimeWindow(timedelta(minutes=5))


def problem(stamp: datetime) -> str | None:
    return WINDOW.problem(stamp, zone=VN, not_before=RECEIVED, now=NOW)


@pytest.mark.parametrize(
    ("stamp", "why"),
    [
        (datetime(1, 1, 1, 0, 0, 0), "not a representable time"),
        (datetime(9999, 12, 31, 23, 59, 59), "after the gateway's clock"),
        (datetime(2099, 1, 1, 9, 0, 0), "after the gateway's clock"),
        (datetime(2026, 3, 4, 10, 5, 1), "after the gateway's clock"),
        (datetime(2026, 3, 2, 8, 54, 59), "before the petition was received"),
    ],
)
def test_a_time_outside_the_window_is_a_problem_in_words(stamp: datetime, why: str) -> None:
    found = problem(stamp)
    assert found is not None and why in found


@pytest.mark.parametrize(
    "stamp",
    [
        datetime(2026, 3, 4, 10, 5, 0),  # the skew ahead
        datetime(2026, 3, 2, 8, 55, 0),  # the skew before the petition
        datetime(2026, 3, 3, 12, 0, 0),
        datetime(2026, 3, 4, 3, 2, 0, tzinfo=UTC),  # an aware stamp is taken as it is
    ],
)
def test_a_time_inside_the_window_is_fine(stamp: datetime) -> None:
    assert problem(stamp) is None


def test_without_a_lower_bound_only_the_future_is_refused() -> None:
    assert WINDOW.problem(datetime(2000, 1, 1), zone=VN, not_before=None, now=NOW) is None


def test_dates_are_compared_as_local_days() -> None:
    late_evening = datetime(2026, 3, 4, 16, 58, tzinfo=UTC)  # 23:58 in Hà Nội, same day
    assert WINDOW.date_problem(date(2026, 3, 5), zone=VN, not_before=RECEIVED, now=NOW)
    assert (
        WINDOW.date_problem(date(2026, 3, 5), zone=VN, not_before=RECEIVED, now=late_evening)
        is None  # within the skew of midnight
    )
    assert WINDOW.date_problem(date(2026, 3, 2), zone=VN, not_before=RECEIVED, now=NOW) is None
    assert WINDOW.date_problem(date(2026, 3, 1), zone=VN, not_before=RECEIVED, now=NOW)
    assert WINDOW.date_problem(date(1, 1, 1), zone=VN, not_before=RECEIVED, now=NOW)
    assert WINDOW.date_problem(date(9999, 12, 31), zone=VN, not_before=RECEIVED, now=NOW)


def test_a_stored_time_is_plausible_only_when_present_and_inside() -> None:
    assert WINDOW.plausible(NOW, zone=VN, not_before=RECEIVED, now=NOW)
    assert not WINDOW.plausible(None, zone=VN, not_before=RECEIVED, now=NOW)
    far = datetime(2099, 1, 1, tzinfo=UTC)
    assert not WINDOW.plausible(far, zone=VN, not_before=RECEIVED, now=NOW)


def test_conversion_never_raises() -> None:
    assert instant(datetime(1, 1, 1), VN) is None
    assert instant(datetime(9999, 12, 31, 23, 59, 59), timezone(timedelta(hours=-5))) is None
    assert instant(datetime(2026, 3, 2, 9, 0), VN) == RECEIVED


def test_a_negative_skew_is_refused() -> None:
    with pytest.raises(ValueError):
        TimeWindow(-timedelta(seconds=1))


def test_the_skew_is_configured_from_the_environment() -> None:
    from gateway.config import Settings
    from gateway.errors import ConfigurationError

    assert Settings.from_env({}).clock_skew_seconds == 300
    assert Settings.from_env({"GATEWAY_CLOCK_SKEW_SECONDS": "60"}).clock_skew_seconds == 60
    with pytest.raises(ConfigurationError):
        Settings.from_env({"GATEWAY_CLOCK_SKEW_SECONDS": "soon"})
