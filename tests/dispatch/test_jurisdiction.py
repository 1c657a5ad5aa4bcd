"""Who may hold meetings, assign, report back, close and read (the use cases on fakes):
another township's user gets 404 for a record and 403 for a region it names."""

from __future__ import annotations

from datetime import date

import pytest

from lingban_contracts.events.dispatch import Attendee, DispatchLevel, TaskStatus
from lingban_kit.auth import Role
from lingban_kit.clock import FixedClock
from lingban_kit.errors import Forbidden, NotFound, ValidationFailed
from lingban_supervision.dispatch.domain import Meeting, Minutes, Task
from lingban_supervision.dispatch.schemas import MeetingOut, TaskOut
from lingban_supervision.dispatch.service import DispatchCommands, TaskOrder
from tests.supervision.fakes import FakeStore

from .builders import CITY, NOW, TOWNSHIP, TOWNSHIP_2, TREE, VILLAGE, VILLAGE_2, minutes, principal

ORG = principal(Role.CITY_ORG, CITY)
LEADER = principal(Role.LEADER, CITY)
SEC_A = principal(Role.TOWNSHIP_SECRETARY, TOWNSHIP)
STAFF_A = principal(Role.TOWNSHIP_STAFF, TOWNSHIP)
SEC_B = principal(Role.TOWNSHIP_SECRETARY, TOWNSHIP_2)
VILLAGE_A = principal(Role.VILLAGE_SECRETARY, VILLAGE)


def commands() -> DispatchCommands:
    return DispatchCommands(FakeStore(Meeting), FakeStore(Task), TREE, FixedClock(NOW))


def order(unit: str = TOWNSHIP, deadline: date = date(2026, 3, 20)) -> TaskOrder:
    return TaskOrder(unit, "补齐项目台账", "张三", deadline)


async def city_meeting(c: DispatchCommands) -> Meeting:
    return await c.hold(ORG, DispatchLevel.CITY_MONTHLY, CITY, date(2026, 3, 3), minutes(TOWNSHIP))


async def test_only_the_city_org_holds_the_city_meeting() -> None:
    c = commands()
    for who in (SEC_A, LEADER, VILLAGE_A):
        with pytest.raises(Forbidden):
            await c.hold(who, DispatchLevel.CITY_MONTHLY, CITY, date(2026, 3, 3), minutes())
    meeting = await city_meeting(c)
    assert meeting.region_code == CITY


async def test_a_township_holds_its_own_meetings_only() -> None:
    c = commands()
    held = await c.hold(
        STAFF_A, DispatchLevel.TOWNSHIP_QUARTERLY, TOWNSHIP, date(2026, 3, 3), minutes(VILLAGE)
    )
    assert held.township_code == TOWNSHIP
    with pytest.raises(Forbidden):
        await c.hold(SEC_B, DispatchLevel.TOWNSHIP_MONTHLY, TOWNSHIP, date(2026, 3, 3), minutes())
    # A township assigns to its villages, not to another township's.
    task = await c.assign(SEC_A, held.id, order(VILLAGE))
    assert task.assigner_code == TOWNSHIP
    with pytest.raises(Forbidden):
        await c.assign(SEC_A, held.id, order(VILLAGE_2))


async def test_another_township_gets_404_for_the_meeting_and_its_tasks() -> None:
    c = commands()
    meeting = await city_meeting(c)
    a = await c.assign(ORG, meeting.id, order(TOWNSHIP))
    b = await c.assign(ORG, meeting.id, order(TOWNSHIP_2))
    # Township A attended: it reads the city meeting, and of its tasks only its own.
    assert (await c.meeting(SEC_A, meeting.id)).id == meeting.id
    assert [t.id for t in await c.list_tasks(SEC_A, None, meeting_id=meeting.id)] == [a.id]
    with pytest.raises(NotFound):
        await c.meeting(SEC_B, meeting.id)  # did not attend
    with pytest.raises(NotFound):
        await c.task(SEC_B, a.id)
    with pytest.raises(NotFound):
        await c.report(SEC_B, a.id, "代为反馈", None)
    with pytest.raises(NotFound):
        await c.close(SEC_B, a.id, None, None)
    with pytest.raises(Forbidden):
        await c.list_tasks(SEC_B, TOWNSHIP)
    assert [t.id for t in await c.list_tasks(SEC_B, None)] == [b.id]
    assert {t.id for t in await c.list_tasks(ORG, CITY)} == {a.id, b.id}


async def test_the_unit_reports_and_the_assigner_closes() -> None:
    c = commands()
    meeting = await city_meeting(c)
    task = await c.assign(ORG, meeting.id, order(TOWNSHIP))
    with pytest.raises(Forbidden):
        await c.report(ORG, task.id, "组织部代报", None)  # not the unit
    reported = await c.report(STAFF_A, task.id, "台账已补齐", task.version)
    assert reported.status is TaskStatus.REPORTED
    with pytest.raises(Forbidden):
        await c.close(SEC_A, task.id, None, None)  # the unit does not strike off its own
    closed = await c.close(ORG, task.id, "同意销号", reported.version)
    assert closed.status is TaskStatus.CLOSED


async def test_a_direct_assignment_is_the_callers_unit_and_inside_its_jurisdiction() -> None:
    c = commands()
    task = await c.assign(ORG, None, order(VILLAGE_2))
    assert (task.meeting_id, task.assigner_code) == (None, CITY)
    with pytest.raises(Forbidden):
        await c.assign(SEC_B, None, order(VILLAGE))  # another township's village: by name
    with pytest.raises(ValidationFailed):
        await c.assign(ORG, None, order(CITY))  # the assigner itself


async def test_leaders_read_the_public_view() -> None:
    c = commands()
    meeting = await c.hold(
        ORG,
        DispatchLevel.CITY_MONTHLY,
        CITY,
        date(2026, 3, 3),
        Minutes(
            chair="部长",
            attendees=[Attendee(name="王五"), Attendee(name="新渡镇", unit_code=TOWNSHIP)],
            projects_reviewed=[],
            problems_raised=["进度滞后"],
        ),
    )
    task = await c.assign(ORG, meeting.id, order(TOWNSHIP))
    await c.report(SEC_A, task.id, "已办理", None)
    seen = MeetingOut.of(await c.meeting(LEADER, meeting.id), LEADER.reads_public_view())
    assert seen.withheld
    assert seen.minutes.chair is None
    assert [a.name for a in seen.minutes.attendees] == ["新渡镇"]
    assert seen.minutes.problems_raised == ["进度滞后"]
    public = TaskOut.of(await c.task(LEADER, task.id), LEADER.reads_public_view())
    assert (public.owner, public.reports, public.status) == (None, [], TaskStatus.REPORTED)
    full = TaskOut.of(await c.task(ORG, task.id), ORG.reads_public_view())
    assert full.owner == "张三"
    assert full.reports[0].text == "已办理"
    with pytest.raises(Forbidden):
        await c.assign(LEADER, meeting.id, order(TOWNSHIP))


async def test_the_check_flags_waiting_tasks_past_their_deadline_once() -> None:
    c = commands()
    late = await c.assign(ORG, None, order(TOWNSHIP, date(2026, 3, 6)))
    reported = await c.assign(ORG, None, order(TOWNSHIP_2, date(2026, 3, 6)))
    await c.report(SEC_B, reported.id, "按期办结", None)
    await c.assign(ORG, None, order(VILLAGE, date(2026, 3, 31)))
    after = NOW.replace(day=9)
    assert await c.run_checks(after) == [late.id]
    assert await c.run_checks(after) == []
