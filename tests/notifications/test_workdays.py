"""Working days: China's official holidays and make-up working days (调休) from the
`chinesecalendar` package, overridden by the rules file, Monday–Friday for years
the package does not know."""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from lingban_notifications.rules.loader import (
    DEFAULT_RULES_FILE,
    RulesInvalid,
    load_rules,
    parse_rules,
)
from lingban_notifications.scheduling.workdays import WorkingCalendar

# Far beyond any release of the package (it knows 2004 up to the coming year).
UNKNOWN_YEAR = 2099


def raw_rules() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(DEFAULT_RULES_FILE.read_text(encoding="utf-8"))
    return loaded


def bundled() -> WorkingCalendar:
    return WorkingCalendar.for_rules(load_rules())


@pytest.mark.parametrize(
    ("day", "name"),
    [
        (date(2026, 1, 1), "New Year's Day (Thursday)"),
        (date(2026, 1, 2), "New Year's Day (Friday)"),
        (date(2026, 2, 16), "Spring Festival eve (Monday)"),
        (date(2026, 2, 17), "Spring Festival (Tuesday)"),
        (date(2026, 2, 20), "Spring Festival (Friday)"),
        (date(2026, 2, 23), "Spring Festival, last day (Monday)"),
        (date(2026, 4, 6), "Qingming (Monday)"),
        (date(2026, 5, 1), "Labour Day (Friday)"),
        (date(2026, 5, 5), "Labour Day (Tuesday)"),
        (date(2026, 6, 19), "Dragon Boat Festival (Friday)"),
        (date(2026, 9, 25), "Mid-Autumn Festival (Friday)"),
        (date(2026, 10, 1), "National Day (Thursday)"),
        (date(2026, 10, 7), "National Day, last day (Wednesday)"),
    ],
)
def test_2026_public_holidays_on_weekdays_are_days_off(day: date, name: str) -> None:
    assert day.isoweekday() <= 5, name
    assert not bundled().is_working_day(day), name


@pytest.mark.parametrize(
    ("day", "name"),
    [
        (date(2026, 1, 4), "Sunday before New Year's week ends"),
        (date(2026, 2, 14), "Saturday before Spring Festival"),
        (date(2026, 2, 28), "Saturday after Spring Festival"),
        (date(2026, 5, 9), "Saturday after Labour Day"),
        (date(2026, 9, 20), "Sunday before National Day"),
        (date(2026, 10, 10), "Saturday after National Day"),
    ],
)
def test_2026_make_up_working_weekend_days_are_working_days(day: date, name: str) -> None:
    assert day.isoweekday() >= 6, name
    assert bundled().is_working_day(day), name


def test_ordinary_weekdays_work_and_ordinary_weekends_do_not() -> None:
    cal = bundled()
    assert cal.is_working_day(date(2026, 3, 10))  # a Tuesday
    assert not cal.is_working_day(date(2026, 3, 7))  # a Saturday
    assert not cal.is_working_day(date(2026, 2, 15))  # a Sunday inside Spring Festival


def test_next_and_previous_working_day_step_over_national_day() -> None:
    cal = bundled()
    assert cal.next_working_day(date(2026, 9, 30)) == date(2026, 10, 8)
    assert cal.next_working_day(date(2026, 10, 1), inclusive=True) == date(2026, 10, 8)
    assert cal.next_working_day(date(2026, 10, 8), inclusive=True) == date(2026, 10, 8)
    assert cal.next_working_day(date(2026, 10, 9)) == date(2026, 10, 10)  # 调休 Saturday
    assert cal.previous_working_day(date(2026, 10, 8)) == date(2026, 9, 30)
    assert cal.first_working_day(2026, 10) == date(2026, 10, 8)
    assert cal.first_working_day(2026, 2) == date(2026, 2, 2)
    assert cal.first_working_day(2026, 1) == date(2026, 1, 4)  # the 调休 Sunday


def test_working_days_between_counts_the_start_not_the_end() -> None:
    cal = bundled()
    # Sep 28–30 and Oct 8, 9, 10 (调休 Saturday); Oct 1–7 and Oct 11 are off.
    assert cal.working_days_between(date(2026, 9, 28), date(2026, 10, 12)) == 6
    assert cal.working_days_between(date(2026, 10, 12), date(2026, 9, 28)) == -6
    assert cal.working_days_between(date(2026, 10, 1), date(2026, 10, 8)) == 0
    assert cal.working_days_between(date(2026, 10, 8), date(2026, 10, 8)) == 0


def rules_file(tmp_path: Path, days_off: list[str], working: list[str]) -> Path:
    raw = raw_rules()
    raw["non_working_days"] = days_off
    raw["extra_working_days"] = working
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


def test_the_rules_file_adds_and_removes_holidays_and_make_up_days(tmp_path: Path) -> None:
    path = rules_file(
        tmp_path,
        # a local holiday (Monday); a 调休 Saturday of the package not worked
        days_off=["2026-03-09", "2026-02-28"],
        # a make-up Saturday the package lacks; a package holiday worked anyway
        working=["2026-03-07", "2026-02-23"],
    )
    cal = WorkingCalendar.for_rules(load_rules(path))
    assert not cal.is_working_day(date(2026, 3, 9))
    assert not cal.is_working_day(date(2026, 2, 28))
    assert cal.is_working_day(date(2026, 3, 7))
    assert cal.is_working_day(date(2026, 2, 23))
    # Everything else still comes from the package.
    assert not cal.is_working_day(date(2026, 2, 17))
    assert cal.is_working_day(date(2026, 2, 14))
    assert cal.next_working_day(date(2026, 2, 20)) == date(2026, 2, 23)


def test_a_day_listed_both_ways_is_rejected_with_the_date() -> None:
    raw = raw_rules()
    raw["non_working_days"] = ["2026-03-09"]
    raw["extra_working_days"] = ["2026-03-09"]
    with pytest.raises(RulesInvalid) as caught:
        parse_rules(raw)
    assert "2026-03-09" in " ".join(d.message for d in caught.value.details)


def test_an_unknown_year_falls_back_to_monday_to_friday_with_one_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    cal = WorkingCalendar(days_off=[date(UNKNOWN_YEAR, 2, 2)])
    with caplog.at_level(logging.WARNING, logger="lingban_notifications.scheduling.workdays"):
        assert cal.is_working_day(date(UNKNOWN_YEAR, 1, 1))  # a Thursday (New Year's Day)
        assert not cal.is_working_day(date(UNKNOWN_YEAR, 1, 3))  # a Saturday
        assert cal.next_working_day(date(UNKNOWN_YEAR, 1, 2)) == date(UNKNOWN_YEAR, 1, 5)
        # The rules file still applies, so a deployment can list that year's holidays.
        assert not cal.is_working_day(date(UNKNOWN_YEAR, 2, 2))  # a Monday, listed off
    warnings = [r for r in caplog.records if str(UNKNOWN_YEAR) in r.getMessage()]
    assert len(warnings) == 1
    assert warnings[0].levelno == logging.WARNING
    assert "chinesecalendar" in warnings[0].getMessage()


def test_the_bundled_rules_file_lists_no_dates_of_its_own() -> None:
    """The official schedule comes from the package, not a hand-typed list."""
    rules = load_rules()
    assert rules.non_working_days == []
    assert rules.extra_working_days == []
