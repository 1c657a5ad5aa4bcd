"""Rule evaluation on a controllable clock: what is due, to whom, with which period."""

from __future__ import annotations

from collections import Counter

from lingban_notifications.scheduling.evaluate import Intent
from tests.notifications.builders import (
    TOWNSHIP,
    VILLAGE,
    evaluator,
    local,
    subject,
)


def by_rule(intents: list[Intent]) -> Counter[str]:
    return Counter(i.rule.id for i in intents)


def keys(intents: list[Intent], rule: str) -> set[tuple[str, str]]:
    return {(i.recipient.id, i.period) for i in intents if i.rule.id == rule}


def test_monthly_cards_go_out_on_the_first_working_day_at_nine_to_three_levels() -> None:
    ev = evaluator()
    p = subject(months=("2026-04",))
    # 2026-04-01 is a Wednesday.
    assert by_rule(ev.evaluate(local(2026, 4, 1, 8, 59), [p]))["monthly-card-township"] == 0
    intents = ev.evaluate(local(2026, 4, 1, 9, 0), [p])
    assert keys(intents, "monthly-card-township") == {
        (f"secretary:{TOWNSHIP}", "2026-04"),
        (f"township-staff:{TOWNSHIP}", "2026-04"),
    }
    assert keys(intents, "monthly-card-task-force") == {(f"task-force:{VILLAGE}", "2026-04")}
    assert len(keys(intents, "monthly-card-member-department")) == 5
    card = next(i for i in intents if i.rule.id == "monthly-card-township")
    assert "2026-04 任务" in card.vars["items"]
    assert "王专班" in card.vars["items"]
    assert "2026-04-30" in card.vars["items"]


def test_first_working_day_skips_holidays_and_weekends() -> None:
    ev = evaluator()
    p = subject(months=("2026-05",))
    # May 1 is a holiday (Friday), 2-3 a weekend, 4-5 holidays: the card waits for May 6.
    assert by_rule(ev.evaluate(local(2026, 5, 5, 12), [p]))["monthly-card-township"] == 0
    assert by_rule(ev.evaluate(local(2026, 5, 6, 9), [p]))["monthly-card-township"] == 2


def test_deadline_warnings_use_the_nearest_threshold_then_daily_while_overdue() -> None:
    ev = evaluator()
    p = subject(months=("2026-04",))

    def warning(day: int, month: int = 4) -> set[tuple[str, str]]:
        return keys(ev.evaluate(local(2026, month, day, 9), [p]), "stage-deadline-warning")

    sec = f"secretary:{VILLAGE}"
    assert warning(22) == set()  # 8 days left
    assert warning(23) == {(sec, "2026-04/D-7")}
    assert warning(24) == {(sec, "2026-04/D-7")}  # same key: sent once
    assert warning(27) == {(sec, "2026-04/D-3")}
    assert warning(29) == {(sec, "2026-04/D-1")}
    assert warning(30) == {(sec, "2026-04/D-1")}
    assert warning(6, 5) == {(sec, "2026-04/2026-05-06")}  # overdue: one per day
    reported = subject(months=("2026-04",), reported=("2026-04",))
    assert keys(ev.evaluate(local(2026, 4, 29, 9), [reported]), "stage-deadline-warning") == set()


def test_overdue_beyond_n_days_escalates_to_the_level_above_once_per_stage() -> None:
    ev = evaluator()
    p = subject(months=("2026-04",))
    assert keys(ev.evaluate(local(2026, 5, 4, 9), [p]), "stage-overdue-escalation") == set()
    # 2026-05-06 is the first working day ≥ 5 days overdue.
    assert keys(ev.evaluate(local(2026, 5, 6, 9), [p]), "stage-overdue-escalation") == {
        (f"secretary:{TOWNSHIP}", "2026-04")
    }
    assert keys(ev.evaluate(local(2026, 5, 12, 9), [p]), "stage-overdue-escalation") == {
        (f"secretary:{TOWNSHIP}", "2026-04")
    }


def test_weekly_reminder_and_missing_report_alert() -> None:
    ev = evaluator()
    p = subject(weeks=("2026-W15",))
    # Friday of W16 (2026-04-17): W16 not reported yet.
    assert keys(ev.evaluate(local(2026, 4, 17, 9), [p]), "weekly-report-reminder") == {
        (f"secretary:{VILLAGE}", "2026-W16")
    }
    # Thursday: not yet.
    assert keys(ev.evaluate(local(2026, 4, 16, 9), [p]), "weekly-report-reminder") == set()
    # Monday of W17: W16 missing goes to the secretary and the township staff.
    assert keys(ev.evaluate(local(2026, 4, 20, 10), [p]), "weekly-report-missing") == {
        (f"secretary:{VILLAGE}", "2026-W16"),
        (f"township-staff:{TOWNSHIP}", "2026-W16"),
    }
    # Monday of W16: W15 was reported, nothing missing.
    assert keys(ev.evaluate(local(2026, 4, 13, 10), [p]), "weekly-report-missing") == set()


def test_review_waiting_reminds_the_reviewer_after_n_days() -> None:
    from datetime import date

    ev = evaluator()
    p = subject(status="submitted", submitted_on=date(2026, 2, 2))
    assert keys(ev.evaluate(local(2026, 2, 6, 10), [p]), "review-waiting") == set()
    assert keys(ev.evaluate(local(2026, 2, 9, 10), [p]), "review-waiting") == {
        (f"secretary:{TOWNSHIP}", "revision-1")
    }


def test_nothing_is_due_for_projects_not_in_execution() -> None:
    ev = evaluator()
    p = subject(status="completed")
    assert ev.evaluate(local(2026, 4, 29, 10), [p]) == []
