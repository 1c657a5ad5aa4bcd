"""The pure rules of dispatch meetings and assigned tasks."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from lingban_contracts.divisions import Level
from lingban_contracts.events.dispatch import DispatchLevel, TaskStatus
from lingban_kit.auth import Principal, Role
from lingban_kit.errors import Forbidden, InvalidTransition, ValidationFailed
from lingban_supervision.aggregate import SYSTEM_ACTOR
from lingban_supervision.dispatch import access
from lingban_supervision.dispatch.domain import Meeting, Task, period_of

from .builders import CITY, NOW, ORG, TODAY, TOWNSHIP, TREE, UNIT, VILLAGE, minutes, task


def hold(level: DispatchLevel, region: str, held_on: date = TODAY, *units: str) -> Meeting:
    unit = TREE.get(region)
    assert unit is not None
    return Meeting.hold(
        meeting_id="m1",
        level=level,
        region=unit,
        township_code=None,
        held_on=held_on,
        minutes=minutes(*units),
        today=TODAY,
        actor=ORG,
        now=NOW,
    )


def test_a_city_monthly_meeting_records_its_month_and_attending_units() -> None:
    meeting = hold(DispatchLevel.CITY_MONTHLY, CITY, TODAY, TOWNSHIP, VILLAGE)
    assert (meeting.month, meeting.period) == ("2026-03", "2026-03")
    assert meeting.attending_units == [TOWNSHIP, VILLAGE]
    [event] = meeting.pending_events
    assert event.type == "lingban.supervision.dispatch-meeting-held.v1"
    assert event.region_code == CITY
    assert event.data["attending_units"] == [TOWNSHIP, VILLAGE]


def test_a_quarterly_meeting_dispatches_its_quarter() -> None:
    assert period_of(DispatchLevel.TOWNSHIP_QUARTERLY, date(2026, 5, 31)) == "2026-Q2"
    assert hold(DispatchLevel.TOWNSHIP_QUARTERLY, TOWNSHIP).period == "2026-Q1"


@pytest.mark.parametrize(
    ("level", "region", "field"),
    [
        (DispatchLevel.TOWNSHIP_QUARTERLY, CITY, "镇级调度会须由乡镇"),
        (DispatchLevel.CITY_MONTHLY, TOWNSHIP, "市级月调度须由市"),
        (DispatchLevel.CITY_MONTHLY, VILLAGE, "市级月调度须由市"),
    ],
)
def test_the_level_must_fit_the_region(level: DispatchLevel, region: str, field: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        hold(level, region)
    assert field in refused.value.message


def test_a_meeting_is_recorded_after_it_was_held_with_units_of_the_region() -> None:
    with pytest.raises(ValidationFailed) as future:
        hold(DispatchLevel.CITY_MONTHLY, CITY, TODAY + timedelta(days=1))
    assert "尚未召开" in future.value.message
    with pytest.raises(ValidationFailed) as outside:
        hold(DispatchLevel.TOWNSHIP_MONTHLY, TOWNSHIP, TODAY, "340881101000")
    assert "不在本级辖区" in outside.value.message


def test_a_task_goes_below_the_assigner_and_not_into_the_past() -> None:
    with pytest.raises(ValidationFailed) as itself:
        task(unit=CITY)
    assert "下级单位" in itself.value.message
    with pytest.raises(ValidationFailed) as past:
        task(deadline=TODAY - timedelta(days=1))
    assert "不能早于" in past.value.message


def test_report_then_close_on_time() -> None:
    t = task()
    t.report("台账已补齐", date(2026, 3, 18), UNIT, NOW)
    assert t.status.value == "reported"
    assert t.reports[-1].late is False
    t.close("同意销号", date(2026, 3, 19), ORG, NOW)
    assert t.status is TaskStatus.CLOSED
    closed = t.pending_events[-1]
    assert closed.type.endswith("task-closed.v1")
    assert closed.data["on_time"] is True
    assert closed.data["was_overdue"] is False
    assert [e.aggregate_version for e in t.pending_events] == [2, 3]
    with pytest.raises(InvalidTransition):
        t.close(None, date(2026, 3, 19), ORG, NOW)


def test_only_a_reported_task_is_closed_or_sent_back_and_not_by_its_reporter() -> None:
    t = task()
    with pytest.raises(InvalidTransition):
        t.close(None, TODAY, ORG, NOW)
    t.report("已办", TODAY, UNIT, NOW)
    with pytest.raises(Forbidden):
        t.close(None, TODAY, UNIT, NOW)
    with pytest.raises(InvalidTransition):
        t.report("再报", TODAY, UNIT, NOW)


def test_overdue_is_flagged_once_per_deadline_and_a_return_gives_a_new_one() -> None:
    t = task(deadline=date(2026, 3, 20))
    assert not t.detect_overdue(date(2026, 3, 20), SYSTEM_ACTOR, NOW)  # due today: not yet
    assert t.detect_overdue(date(2026, 3, 21), SYSTEM_ACTOR, NOW)
    assert not t.detect_overdue(date(2026, 3, 22), SYSTEM_ACTOR, NOW)
    assert t.overdue
    t.report("补报", date(2026, 3, 23), UNIT, NOW)
    assert t.reports[-1].late is True
    assert t.overdue  # still overdue until struck off
    with pytest.raises(ValidationFailed):
        t.send_back([], None, date(2026, 3, 24), ORG, NOW)
    t.send_back(["佐证不足"], date(2026, 3, 31), date(2026, 3, 24), ORG, NOW)
    assert (t.status, t.deadline, t.overdue) == (TaskStatus.ASSIGNED, date(2026, 3, 31), False)
    returned = t.pending_events[-1]
    assert returned.data["previous_deadline"] == "2026-03-20"
    assert t.detect_overdue(date(2026, 4, 1), SYSTEM_ACTOR, NOW)
    assert t.overdue_deadlines == [date(2026, 3, 20), date(2026, 3, 31)]


def test_a_reported_task_is_not_flagged() -> None:
    t = task(deadline=date(2026, 3, 20))
    t.report("按期反馈", date(2026, 3, 19), UNIT, NOW)
    assert not t.detect_overdue(date(2026, 3, 25), SYSTEM_ACTOR, NOW)


def test_every_task_event_names_the_unit_the_assigner_and_the_deadline() -> None:
    t = Task.assign(
        task_id="t2",
        meeting_id=None,
        assigner_code=CITY,
        unit_code=VILLAGE,
        township_code=TOWNSHIP,
        content="入户走访",
        owner="李四",
        deadline=date(2026, 3, 31),
        assigned_on=TODAY,
        actor=ORG,
        now=NOW,
    )
    [assigned] = t.pending_events
    assert assigned.region_code == VILLAGE
    assert assigned.data["source"] == "direct"
    assert {k: assigned.data[k] for k in ("assigner_code", "unit_code", "township_code")} == {
        "assigner_code": CITY,
        "unit_code": VILLAGE,
        "township_code": TOWNSHIP,
    }


def department_task(assigner: str, unit: str, level: Level) -> Task:
    return Task.assign(
        task_id="t9",
        meeting_id=None,
        assigner_code=assigner,
        unit_code=unit,
        township_code=None,
        content="协调资金拨付",
        owner="副局长",
        deadline=TODAY + timedelta(days=10),
        assigned_on=TODAY,
        actor=ORG,
        now=NOW,
        department="agriculture",
        assigner_level=level,
    )


def test_a_member_departments_task_is_its_citys_to_itself() -> None:
    made = department_task(CITY, CITY, Level.CITY)
    [assigned] = made.pending_events
    assert (assigned.data["department"], assigned.data["unit_code"]) == ("agriculture", CITY)
    assert assigned.region_code == CITY
    # Not by a township, and not naming a unit below the city.
    for assigner, unit, level in (
        (TOWNSHIP, TOWNSHIP, Level.TOWNSHIP),
        (CITY, TOWNSHIP, Level.CITY),
    ):
        with pytest.raises(ValidationFailed) as refused:
            department_task(assigner, unit, level)
        assert refused.value.details[0].field == "department"


def test_only_the_department_itself_reports_and_reads_its_task() -> None:
    made = department_task(CITY, CITY, Level.CITY)
    mine = Principal("d1", "农业农村局", frozenset({Role.MEMBER_DEPARTMENT}), CITY, "agriculture")
    other = Principal("d2", "民政局", frozenset({Role.MEMBER_DEPARTMENT}), CITY, "civil-affairs")
    city = Principal("s1", "组织部", frozenset({Role.CITY_ORG}), CITY)
    access.require_reporter(mine, made)
    for refused in (other, city):
        with pytest.raises(Forbidden):
            access.require_reporter(refused, made)
    assert access.can_read_task(mine, made)
    assert not access.can_read_task(other, made)
    assert not access.can_read_task(mine, task())  # a unit's task: not the department's
    assert access.can_read_task(city, made)
    # The department reads its own task in full, other readers as their role says.
    assert not access.reads_public_task(mine, made)
    leader = Principal("l1", "领导", frozenset({Role.LEADER}), CITY)
    assert access.reads_public_task(leader, made)
    # And a department reports on nothing else: a unit's task needs a unit's role.
    with pytest.raises(Forbidden):
        access.require_reporter(mine, task())
