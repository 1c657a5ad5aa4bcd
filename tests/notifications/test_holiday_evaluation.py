"""Scheduled reminders follow China's working days: nothing goes out on a public
holiday, make-up working days (调休) count, and what fell due meanwhile goes out on
the next working day (2026 dates, from the `chinesecalendar` package)."""

from __future__ import annotations

from datetime import date

from lingban_notifications.scheduling.evaluate import Intent
from tests.notifications.builders import TOWNSHIP, VILLAGE, evaluator, local, subject

SEC = f"secretary:{VILLAGE}"


def keys(intents: list[Intent], rule: str) -> set[tuple[str, str]]:
    return {(i.recipient.id, i.period) for i in intents if i.rule.id == rule}


def test_nothing_scheduled_goes_out_during_national_day() -> None:
    ev = evaluator()
    p = subject(months=("2026-09", "2026-10"), started=date(2026, 9, 1))
    for day in range(1, 8):  # October 1–7
        assert ev.evaluate(local(2026, 10, day, 10), [p]) == [], f"2026-10-{day:02d}"
    assert ev.evaluate(local(2026, 10, 11, 10), [p]) == []  # an ordinary Sunday


def test_overdue_reminders_skip_the_holiday_and_run_on_the_make_up_saturday() -> None:
    ev = evaluator()
    p = subject(months=("2026-09",), started=date(2026, 9, 1))

    def overdue(month: int, day: int) -> set[tuple[str, str]]:
        return keys(ev.evaluate(local(2026, month, day, 9), [p]), "stage-deadline-warning")

    assert overdue(9, 30) == {(SEC, "2026-09/D-1")}
    assert overdue(10, 8) == {(SEC, "2026-09/2026-10-08")}
    assert overdue(10, 9) == {(SEC, "2026-09/2026-10-09")}
    assert overdue(10, 10) == {(SEC, "2026-09/2026-10-10")}  # 调休 Saturday
    assert overdue(10, 11) == set()
    # 5 days overdue on October 5, a holiday: the escalation waits for the 8th.
    assert keys(ev.evaluate(local(2026, 10, 8, 9), [p]), "stage-overdue-escalation") == {
        (f"secretary:{TOWNSHIP}", "2026-09")
    }


def test_monthly_cards_wait_for_the_first_working_day_even_a_make_up_sunday() -> None:
    ev = evaluator()
    october = subject(months=("2026-10",), started=date(2026, 9, 1))
    assert keys(ev.evaluate(local(2026, 10, 8, 8, 59), [october]), "monthly-card-township") == set()
    assert keys(ev.evaluate(local(2026, 10, 8, 9), [october]), "monthly-card-township") == {
        (f"secretary:{TOWNSHIP}", "2026-10"),
        (f"township-staff:{TOWNSHIP}", "2026-10"),
    }
    # January 1–3 are off; Sunday January 4 is a 调休 working day.
    january = subject(months=("2026-01",), started=date(2026, 1, 1))
    assert len(keys(ev.evaluate(local(2026, 1, 4, 9), [january]), "monthly-card-township")) == 2


def test_the_friday_reminder_moves_before_a_friday_holiday() -> None:
    ev = evaluator()
    p = subject(months=("2026-09", "2026-10"), started=date(2026, 9, 1))

    def reminder(month: int, day: int) -> set[tuple[str, str]]:
        return keys(ev.evaluate(local(2026, month, day, 9), [p]), "weekly-report-reminder")

    # Week 40 (Sep 28 – Oct 4): Friday October 2 is National Day, so Wednesday.
    assert reminder(9, 29) == set()
    assert reminder(9, 30) == {(SEC, "2026-W40")}
    # Week 39: Friday September 25 is Mid-Autumn; Thursday the 24th instead.
    assert reminder(9, 23) == set()
    assert reminder(9, 24) == {(SEC, "2026-W39")}
    assert reminder(9, 18) == {(SEC, "2026-W38")}  # an ordinary Friday


def test_missing_report_checks_move_to_the_next_working_day_across_weeks() -> None:
    ev = evaluator()
    p = subject(months=("2026-02",), started=date(2026, 1, 5))

    def missing(month: int, day: int) -> set[tuple[str, str]]:
        found = keys(ev.evaluate(local(2026, month, day, 9, 30), [p]), "weekly-report-missing")
        return {k for k in found if k[0] == SEC}  # (the township staff get the same)

    assert missing(2, 9) == {(SEC, "2026-W06")}  # an ordinary Monday
    # Spring Festival: Monday Feb 16 through Monday Feb 23 are all off, so the
    # checks of weeks 7 and 8 both go out on Tuesday February 24.
    assert missing(2, 24) == {(SEC, "2026-W07"), (SEC, "2026-W08")}
    assert missing(2, 25) == {(SEC, "2026-W07"), (SEC, "2026-W08")}  # same keys: once
    assert missing(3, 2) == {(SEC, "2026-W09")}  # back to Mondays
    # Week 41's Monday (Oct 5) is National Day: Thursday October 8 reports week 40.
    autumn = subject(months=("2026-10",), started=date(2026, 9, 1))
    oct8 = ev.evaluate(local(2026, 10, 8, 9, 30), [autumn])
    assert (SEC, "2026-W40") in keys(oct8, "weekly-report-missing")
    assert {period for _, period in keys(oct8, "weekly-report-missing")} == {"2026-W40"}
    # Week 8 has no working day: no "submit this week" reminder for it.
    assert keys(ev.evaluate(local(2026, 2, 24, 9), [p]), "weekly-report-reminder") == set()
