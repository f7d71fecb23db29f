"""Where the working-day calendar comes from: the `holidays` package plus announced swaps.

Statutory holidays (Tết Nguyên đán, Giỗ Tổ Hùng Vương, 30/4, 1/5, 2/9 and its adjacent day, …)
and their substitutions come from ``holidays.country_holidays("VN")``. The Government's yearly
swaps (extra days off for civil servants, working Saturdays) come from a TOML overrides file:

    [[day_off]]
    date = 2026-01-02
    reason = "…"

    [[working_day]]
    date = 2026-01-10
    reason = "…"

The calendar version names both sources, so a stored due date says what it was computed with.
"""

from __future__ import annotations

import hashlib
import tomllib
from datetime import date
from functools import cache
from importlib import metadata, resources
from pathlib import Path

import holidays

from gateway.domain.calendar import WorkingCalendar
from gateway.errors import ConfigurationError

DEFAULT_YEARS = range(2015, 2041)


def default_overrides_text() -> bytes:
    return resources.files("gateway").joinpath("data/calendar-overrides.toml").read_bytes()


def parse_overrides(
    text: bytes, source: str = "overrides"
) -> tuple[dict[date, str], dict[date, str]]:
    """Read an overrides file into (days off, working days). Raises ConfigurationError."""
    try:
        data = tomllib.loads(text.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise ConfigurationError(f"{source}: not valid TOML: {e}") from e
    result: tuple[dict[date, str], dict[date, str]] = ({}, {})
    for key, target in (("day_off", result[0]), ("working_day", result[1])):
        for entry in data.get(key, []):
            day = entry.get("date") if isinstance(entry, dict) else None
            if not isinstance(day, date):
                raise ConfigurationError(f"{source}: every [[{key}]] needs a date = YYYY-MM-DD")
            target[day] = str(entry.get("reason", key.replace("_", " ")))
    clash = set(result[0]) & set(result[1])
    if clash:
        raise ConfigurationError(f"{source}: {min(clash)} is both a day off and a working day")
    return result


def build_calendar(
    overrides: bytes | None = None, years: range = DEFAULT_YEARS, source: str = "overrides"
) -> WorkingCalendar:
    overrides = default_overrides_text() if overrides is None else overrides
    days_off, working = parse_overrides(overrides, source)
    official = holidays.country_holidays("VN", years=years, language="vi")
    off: dict[date, str] = {day: str(name) for day, name in official.items()}
    extra: dict[date, str] = {
        day: "Ngày làm bù" for day in official.weekend_workdays if day.year in years
    }
    for day, reason in working.items():
        off.pop(day, None)
        if day.weekday() >= 5:
            extra[day] = reason
    for day, reason in days_off.items():
        off[day] = reason
        extra.pop(day, None)
    digest = hashlib.sha256(overrides).hexdigest()[:12]
    version = f"vn-holidays-{metadata.version('holidays')}+overrides-{digest}"
    return WorkingCalendar(holidays=off, extra_working_days=extra, version=version)


@cache
def calendar_from_file(path: str | None) -> WorkingCalendar:
    """The calendar for a configured overrides file (None: the shipped default). Built once."""
    if path is None:
        return build_calendar()
    file = Path(path)
    try:
        text = file.read_bytes()
    except OSError as e:
        raise ConfigurationError(f"calendar overrides file {file}: {e.strerror}") from e
    return build_calendar(text, source=str(file))
