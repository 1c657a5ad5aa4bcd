"""Dispatch events made through the real aggregates (what supervision publishes)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from lingban_contracts import Actor, Envelope
from lingban_contracts.events.dispatch import DispatchLevel
from lingban_supervision.aggregate import SYSTEM_ACTOR
from lingban_supervision.dispatch.domain import Meeting, Task

from .builders import CITY, ORG, TOWNSHIP, TOWNSHIP_2, TREE, VILLAGE, minutes


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 2, tzinfo=UTC)


def meeting_events(held_on: date, level: DispatchLevel = DispatchLevel.CITY_MONTHLY) -> Envelope:
    region = TREE.get(CITY if level is DispatchLevel.CITY_MONTHLY else TOWNSHIP)
    assert region is not None
    meeting = Meeting.hold(
        meeting_id=f"m-{region.code}-{held_on.isoformat()}",
        level=level,
        region=region,
        township_code=None if region.code == CITY else TOWNSHIP,
        held_on=held_on,
        minutes=minutes(TOWNSHIP),
        today=held_on,
        actor=ORG,
        now=_at(held_on),
    )
    [event] = meeting.pending_events
    return event


def task_events(
    task_id: str, unit: str, assigned: date, deadline: date, path: str
) -> list[Envelope]:
    """A task's events along `path`: letters r(eport) c(lose) b(ack: return) o(verdue)."""
    township = TREE.township_of(unit)
    task = Task.assign(
        task_id=task_id,
        meeting_id="m1",
        assigner_code=CITY,
        unit_code=unit,
        township_code=township.code if township else None,
        content=f"交办事项 {task_id}",
        owner="责任人",
        deadline=deadline,
        assigned_on=assigned,
        actor=ORG,
        now=_at(assigned),
    )
    unit_actor = Actor(id=f"township_secretary@{unit}", name="书记")
    day = assigned
    for step in path:
        day += timedelta(days=1)
        if step == "r":
            task.report("已办理", day, unit_actor, _at(day))
        elif step == "c":
            task.close(None, day, ORG, _at(day))
        elif step == "b":
            task.send_back(["佐证不足"], day + timedelta(days=5), day, ORG, _at(day))
        elif step == "o":
            day = max(day, task.deadline + timedelta(days=1))
            assert task.detect_overdue(day, SYSTEM_ACTOR, _at(day))
    return list(task.pending_events)


def a_quarter_of_dispatch() -> list[Envelope]:
    """Three monthly city meetings, one township quarterly one, five tasks:
    township A: closed on time; closed after being overdue; overdue, waiting.
    township B: reported (waiting for closing); returned and waiting again."""
    events = [
        meeting_events(date(2026, 1, 6)),
        meeting_events(date(2026, 2, 5)),
        meeting_events(date(2026, 3, 4)),
        meeting_events(date(2026, 3, 20), DispatchLevel.TOWNSHIP_QUARTERLY),
    ]
    events += task_events("a1", TOWNSHIP, date(2026, 1, 6), date(2026, 1, 20), "rc")
    events += task_events("a2", TOWNSHIP, date(2026, 1, 6), date(2026, 1, 10), "orc")
    events += task_events("a3", VILLAGE, date(2026, 2, 5), date(2026, 2, 20), "o")
    events += task_events("b1", TOWNSHIP_2, date(2026, 3, 4), date(2026, 3, 31), "r")
    events += task_events("b2", TOWNSHIP_2, date(2026, 3, 4), date(2026, 3, 31), "rb")
    return events
