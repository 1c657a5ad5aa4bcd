"""Reminders about assigned tasks (pure evaluation with the default rules): warnings before
the deadline to the assigned unit, none once it has passed (the overdue notice tells
that), and new warnings for a new deadline."""

from __future__ import annotations

from datetime import date

from lingban_notifications.subjects.tasks import TaskSubject
from tests.notifications.builders import TOWNSHIP, evaluator, local


def due(task: TaskSubject, day: int) -> set[tuple[str, str]]:
    intents = evaluator().evaluate(local(2026, 4, day, 10), [], [], [task])
    return {(i.recipient.id, i.period) for i in intents if i.rule.id == "task-deadline-warning"}


def test_warnings_go_to_the_unit_before_the_deadline_only() -> None:
    task = TaskSubject("t1", TOWNSHIP, date(2026, 4, 20), "补齐台账", "张三")
    assert due(task, 15) == set()
    staff = {f"secretary:{TOWNSHIP}", f"township-staff:{TOWNSHIP}"}
    assert due(task, 17) == {(r, "2026-04-20/D-3") for r in staff}
    assert due(task, 20) == {(r, "2026-04-20/D-1") for r in staff}
    assert due(task, 21) == set()  # overdue: the task-overdue notice says so, once
    returned = TaskSubject("t1", TOWNSHIP, date(2026, 4, 24), "补齐台账", "张三")
    assert due(returned, 21) == {(r, "2026-04-24/D-3") for r in staff}


def test_the_warning_names_the_task_and_its_owner() -> None:
    task = TaskSubject("t1", TOWNSHIP, date(2026, 4, 20), "补齐台账", "张三")
    [intent, *_] = [
        i
        for i in evaluator().evaluate(local(2026, 4, 17, 10), [], [], [task])
        if i.rule.id == "task-deadline-warning"
    ]
    assert (intent.vars["task"], intent.vars["owner"], intent.vars["days_left"]) == (
        "补齐台账",
        "张三",
        "3",
    )
    assert intent.link_path == "/tasks/t1"
