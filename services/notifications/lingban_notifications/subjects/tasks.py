"""Dispatch events -> `reminder_tasks`: assigned tasks (交办事项) waiting for their report.

One document per task, version-guarded by the task's aggregate version, so
duplicates and stale events change nothing. Every task event carries the current
deadline; a task sent back (退回重办) is waiting again, perhaps with a new deadline,
whose warnings are new reminders (the deadline is part of the period).

The deadline warnings (`deadline_warning` rules with `target: task`) go to the
assigned unit before the deadline — for a member department's task (成员单位,
`department`), to that department's directory entry `member-department:<slug>`; that the task became overdue is told by an
event notice on `task-overdue`, which supervision's overdue check publishes.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from lingban_contracts import Envelope
from lingban_contracts.events import dispatch as dev
from lingban_contracts.events.dispatch import TaskStatus
from lingban_contracts.registry import event_type
from lingban_kit.mongo import Database, apply_if_newer
from lingban_notifications.subjects.tracking import Projection

if TYPE_CHECKING:
    from lingban_notifications.rules.model import Rule
    from lingban_notifications.scheduling.evaluate import Evaluator, Intent

TASKS = "reminder_tasks"
STATUS_AFTER = {
    event_type(dev.TaskAssigned): TaskStatus.ASSIGNED,
    event_type(dev.TaskReported): TaskStatus.REPORTED,
    event_type(dev.TaskClosed): TaskStatus.CLOSED,
    event_type(dev.TaskReturned): TaskStatus.ASSIGNED,
}
TASK_EVENTS = (*STATUS_AFTER, event_type(dev.TaskOverdue))


def _update(event: Envelope) -> dict[str, Any] | None:
    if event.type not in TASK_EVENTS:
        return None
    d = event.data
    sets: dict[str, Any] = {
        "unit_code": d["unit_code"],
        "assigner_code": d["assigner_code"],
        "meeting_id": d.get("meeting_id"),
        "content": d["content"],
        "deadline": str(d["deadline"]),
        "department": d.get("department"),
    }
    if event.type in STATUS_AFTER:
        sets["status"] = STATUS_AFTER[event.type].value
    if event.type == event_type(dev.TaskAssigned):
        sets["owner"] = d["owner"]
    return {"$set": sets}


async def ensure_task_indexes(db: Database) -> None:
    """The scheduler reads the waiting ones by `status` equality."""
    await db[TASKS].create_index("status")


def task_projection(db: Database) -> Projection:
    tasks = db[TASKS]

    async def apply(event: Envelope) -> None:
        update = _update(event)
        if update is not None:
            await apply_if_newer(tasks, str(event.data["task_id"]), event.aggregate_version, update)

    return apply


@dataclass(frozen=True)
class TaskSubject:
    """A task waiting for the assigned unit's report, with its deadline."""

    id: str
    unit_code: str
    deadline: date
    content: str
    owner: str = ""
    # A city member department's task (成员单位): its id, the directory slug.
    department: str | None = None

    @classmethod
    def from_document(cls, doc: Mapping[str, Any]) -> TaskSubject:
        return cls(
            id=str(doc["_id"]),
            unit_code=doc["unit_code"],
            deadline=date.fromisoformat(doc["deadline"]),
            content=doc.get("content", ""),
            owner=doc.get("owner", ""),
            department=doc.get("department"),
        )


async def waiting_tasks(db: Database) -> list[TaskSubject]:
    """The tasks the rules look at (index: status)."""
    cursor = db[TASKS].find({"status": TaskStatus.ASSIGNED.value})
    return [TaskSubject.from_document(d) for d in await cursor.to_list(None)]


def task_intents(
    evaluator: Evaluator, rule: Rule, today: date, tasks: list[TaskSubject]
) -> list[Intent]:
    """Deadline warnings (and, if the rule asks, daily overdue ones) to the assigned unit."""
    intents: list[Intent] = []
    for t in tasks:
        # The deadline is part of the period: a new deadline on return gets its own warnings.
        period = evaluator.deadline_period(rule, t.deadline, today, t.deadline.isoformat())
        if period is None:
            continue
        days_left = (t.deadline - today).days
        intents += evaluator.intents_for(
            rule,
            "task",
            t.id,
            t.unit_code,
            period,
            {
                "month": t.deadline.strftime("%Y-%m"),
                "task": t.content,
                "owner": t.owner or evaluator.unit_name(t.unit_code),
                "deadline": t.deadline.isoformat(),
                "days_left": str(max(days_left, 0)),
                "days_overdue": str(max(-days_left, 0)),
                "project_title": "",
            },
            f"/tasks/{t.id}",
            recipients=evaluator.department(t.department, t.unit_code) if t.department else None,
        )
    return intents


def department_id(slug: str) -> str:
    """The directory entry of a member department (成员单位), e.g. `member-department:agriculture`."""
    return f"member-department:{slug}"


def department_card_rows(tasks: list[TaskSubject], slug: str, today: date) -> list[TaskSubject]:
    """A department's card (提醒卡): its tasks still waiting for its report that fall due
    this month or are past their deadline, the earliest first."""
    month_end = date(today.year, today.month, calendar.monthrange(today.year, today.month)[1])
    return sorted(
        (t for t in tasks if t.department == slug and t.deadline <= month_end),
        key=lambda t: (t.deadline, t.id),
    )
