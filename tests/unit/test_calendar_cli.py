"""`gateway calendar due|explain`: answers from the calendar alone, explains every skipped day."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from gateway.cli import main

NO_DB = {"GATEWAY_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"}


def run(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(main, list(args), env={**NO_DB, **(env or {})})


def test_due_prints_the_20th_working_day_and_the_calendar_version():
    result = run("calendar", "due", "2025-12-31")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("2026-01-29  (Thu;")
    assert "calendar vn-holidays-" in result.output


def test_due_takes_another_period_length():
    result = run("calendar", "due", "2026-03-02", "--days", "5")
    assert result.output.startswith("2026-03-09")


def test_explain_lists_each_skipped_day_with_its_reason_and_the_worked_saturday():
    result = run("calendar", "explain", "2025-12-31", "2026-02-13")
    assert result.exit_code == 0, result.output
    assert "2025-12-31 → due 2026-01-29" in result.output
    assert "skipped 2026-01-02 Fri  Nghỉ bù Tết Dương lịch 2026" in result.output
    assert "counted 2026-01-10 Sat  Làm bù" in result.output
    assert "2026-02-13 → due 2026-03-20" in result.output
    assert "skipped 2026-02-17 Tue  Tết Nguyên Đán" in result.output


def test_an_overrides_file_from_the_environment_changes_the_answer(tmp_path: Path):
    overrides = tmp_path / "overrides.toml"
    overrides.write_text('[[day_off]]\ndate = 2026-03-03\nreason = "Nghỉ thử"\n')
    result = run(
        "calendar", "explain", "2026-03-02", env={"GATEWAY_CALENDAR_OVERRIDES": str(overrides)}
    )
    assert "skipped 2026-03-03 Tue  Nghỉ thử" in result.output
    assert "→ due 2026-03-31" in result.output


def test_a_bad_date_is_one_error_line_and_exit_1():
    result = run("calendar", "due", "2026-13-01")
    assert result.exit_code == 1
    assert result.output.strip() == "error: INPUT_INVALID: '2026-13-01' is not a date (YYYY-MM-DD)"


def test_a_period_of_zero_days_is_refused():
    result = run("calendar", "due", "2026-03-02", "--days", "0")
    assert result.exit_code == 1 and "error: INPUT_INVALID:" in result.output


def test_a_date_outside_the_calendars_years_is_refused_not_guessed():
    assert run("calendar", "due", "2014-12-31").output.strip() == (
        "error: INPUT_INVALID: 2014-12-31 is outside the calendar's years (2015–2040)"
    )
    late = run("calendar", "due", "2040-12-20")
    assert late.exit_code == 1 and "2041-" in late.output
