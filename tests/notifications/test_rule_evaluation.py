"""Rule evaluation on a controllable clock: what is due, to whom, with which period."""

from __future__ import annotations

from collections import Counter
from datetime import date

from lingban_notifications.scheduling.evaluate import Intent
from lingban_notifications.subjects.tasks import TaskSubject
from tests.notifications.builders import (
    CITY,
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
    # A member department's card lists its own assigned tasks: none assigned, no card.
    assert keys(intents, "monthly-card-member-department") == set()
    card = next(i for i in intents if i.rule.id == "monthly-card-township")
    assert "2026-04 任务" in card.vars["items"]
    assert "王专班" in card.vars["items"]
    assert "2026-04-30" in card.vars["items"]


def test_a_member_department_card_lists_only_its_own_due_or_overdue_tasks() -> None:
    ev = evaluator()
    tasks = [
        TaskSubject("t1", CITY, date(2026, 4, 20), "摸排低保对象", "张科长", "civil-affairs"),
        TaskSubject("t2", CITY, date(2026, 3, 31), "核实救助台账", "", "civil-affairs"),
        TaskSubject("t3", CITY, date(2026, 5, 10), "下月到期", "张科长", "civil-affairs"),
        TaskSubject("t4", CITY, date(2026, 4, 15), "高标准农田", "李科长", "agriculture"),
        TaskSubject("t5", TOWNSHIP, date(2026, 4, 15), "交给乡镇的", "王"),
    ]
    intents = ev.evaluate(local(2026, 4, 1, 9, 0), [], [], tasks)
    cards = {i.recipient.id: i for i in intents if i.rule.id == "monthly-card-member-department"}
    # One card per department with tasks due: no stage tasks, no other department's tasks.
    assert sorted(cards) == ["member-department:agriculture", "member-department:civil-affairs"]
    civil = cards["member-department:civil-affairs"]
    assert (civil.vars["count"], civil.period) == ("2", "2026-04")
    assert civil.vars["items"].splitlines() == [
        "· 核实救助台账（责任人：—，办结时限 2026-03-31，已逾期）",
        "· 摸排低保对象（责任人：张科长，办结时限 2026-04-20）",
    ]
    assert "高标准农田" in cards["member-department:agriculture"].vars["items"]
    assert civil.link_path == "/dispatch/tasks?department=civil-affairs"


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


def test_a_member_departments_overdue_task_is_told_to_that_department() -> None:
    """The task-overdue notice goes where the task is: a department's task to the
    department (成员单位), a unit's to the unit's audience."""
    from lingban_contracts import Actor, new_envelope
    from lingban_contracts.events import dispatch as dev
    from lingban_notifications.rules.loader import load_rules
    from lingban_notifications.rules.model import Kind
    from lingban_notifications.scheduling.notices import event_notice_intents

    [rule] = [r for r in load_rules().enabled(Kind.EVENT_NOTICE) if r.id == "task-overdue"]
    ev = evaluator()

    def overdue(unit_code: str, department: str | None) -> set[str]:
        data = dev.TaskOverdue(
            task_id="t1",
            meeting_id=None,
            assigner_code=CITY,
            unit_code=unit_code,
            township_code=None if department else TOWNSHIP,
            year=2026,
            content="协调资金拨付",
            deadline=date(2026, 4, 10),
            department=department,
            status=dev.TaskStatus.ASSIGNED,
            detected_on=date(2026, 4, 11),
        )
        event = new_envelope(
            data=data,
            source_service="supervision",
            actor=Actor(id="system"),
            region_code=unit_code,
            aggregate_id="t1",
            aggregate_version=2,
        )
        return {i.recipient.id for i in event_notice_intents(ev, rule, event, None)}

    assert overdue(CITY, "agriculture") == {"member-department:agriculture"}
    assert "member-department:agriculture" not in overdue(VILLAGE, None)
    assert f"secretary:{VILLAGE}" in overdue(VILLAGE, None)
