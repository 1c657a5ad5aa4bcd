"""Who may keep a roster, record a stationed month and log visits (fakes, no database)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from lingban_contracts.divisions import default_tree
from lingban_contracts.events.stationing import Assignment, Leave, RosterChangeKind
from lingban_contracts.events.supervision import HouseholdVisit, VisitorRole
from lingban_kit.auth import Principal, Role
from lingban_kit.clock import FixedClock
from lingban_kit.errors import Forbidden, NotFound, ValidationFailed
from lingban_supervision.problems.domain import Problem
from lingban_supervision.stationing.domain import Roster, StationedMonth
from lingban_supervision.stationing.service import RosterCommands
from lingban_supervision.visits.domain import Visit
from lingban_supervision.visits.service import VisitCommands
from tests.supervision.builders import (
    CITY,
    OTHER_TOWNSHIP,
    OTHER_VILLAGE,
    TOWNSHIP,
    VILLAGE,
    VILLAGE_2,
    principal,
)
from tests.supervision.fakes import FakeStore

CLOCK = FixedClock(datetime(2026, 3, 20, 2, tzinfo=UTC))
SECRETARY = principal(Role.TOWNSHIP_SECRETARY, TOWNSHIP)
OTHER = principal(Role.TOWNSHIP_SECRETARY, OTHER_TOWNSHIP)
VILLAGE_STAFF = principal(Role.VILLAGE_SECRETARY, VILLAGE)
LEADER = principal(Role.LEADER, CITY)
SUPERVISOR = principal(Role.SUPERVISOR, TOWNSHIP)


def line() -> Assignment:
    return Assignment(
        person_id="p1",
        name="王书记",
        position="party_secretary",
        village_code=VILLAGE,
        weekday=2,
        valid_from=date(2026, 1, 1),
    )


@pytest.fixture
async def rosters() -> RosterCommands:
    commands = RosterCommands(
        FakeStore(Roster), FakeStore(StationedMonth), default_tree(), CLOCK, 3
    )
    await commands.create(SECRETARY, TOWNSHIP, 2026, [line()], [])
    return commands


RID = f"{TOWNSHIP}-2026"


async def test_only_the_township_and_above_keep_the_roster(rosters: RosterCommands) -> None:
    for who in (VILLAGE_STAFF, LEADER, SUPERVISOR):
        with pytest.raises(Forbidden):
            await rosters.create(who, TOWNSHIP, 2027, [], [])
    with pytest.raises(Forbidden):
        await rosters.create(OTHER, TOWNSHIP, 2027, [], [])
    with pytest.raises(ValidationFailed):  # a roster is a township's, not a village's
        await rosters.create(SECRETARY, VILLAGE, 2027, [], [])
    with pytest.raises(ValidationFailed):  # villages of another township
        await rosters.create(
            SECRETARY,
            TOWNSHIP,
            2027,
            [line().model_copy(update={"village_code": OTHER_VILLAGE})],
            [],
        )


async def test_another_township_sees_nothing_and_changes_nothing(rosters: RosterCommands) -> None:
    with pytest.raises(NotFound):
        await rosters.load(OTHER, RID)
    with pytest.raises(NotFound):
        await rosters.change(
            OTHER,
            RID,
            None,
            kind=RosterChangeKind.ENDED,
            person_id="p1",
            effective_from=date(2026, 4, 1),
            fields={},
            reason=None,
        )
    with pytest.raises(NotFound):
        await rosters.record_residence(OTHER, RID, "p1", "2026-03", [date(2026, 3, 3)])
    assert await rosters.list_rosters(OTHER, OTHER_TOWNSHIP, 2026) == []


async def test_a_village_reads_but_does_not_record(rosters: RosterCommands) -> None:
    assert [r.id for r in await rosters.list_rosters(VILLAGE_STAFF, VILLAGE, 2026)] == [RID]
    assert (await rosters.month(VILLAGE_STAFF, RID, "p1", "2026-03")).version == 0
    leave = Leave(first_day=date(2026, 3, 17), last_day=date(2026, 3, 17), reason="病假")
    for who in (VILLAGE_STAFF, LEADER):
        with pytest.raises(Forbidden):
            await rosters.record_leave(who, RID, "p1", "2026-03", leave)
    recorded = await rosters.record_leave(SECRETARY, RID, "p1", "2026-03", leave)
    assert recorded.excused_days == [date(2026, 3, 17)]
    with pytest.raises(NotFound):
        await rosters.month(SECRETARY, RID, "nobody", "2026-03")


async def test_village_staff_log_visits_in_their_own_village_only(rosters: RosterCommands) -> None:
    visits = VisitCommands(
        FakeStore(Visit), FakeStore(Problem), default_tree(), CLOCK, (), rosters=rosters.store
    )

    async def log(who: Principal, unit: str, role: VisitorRole) -> Visit:
        return await visits.log(
            who,
            unit_code=unit,
            visited_on=date(2026, 3, 20),
            visitor="村干部",
            visitor_role=role,
            team=[],
            households=[HouseholdVisit(kind="ordinary", label="8号")],
            opinions=[],
            notes=None,
        )

    mine = await log(VILLAGE_STAFF, VILLAGE, VisitorRole.VILLAGE_STAFF)
    assert mine.household_refs[0] is not None  # the roster keys its household ref
    with pytest.raises(Forbidden):
        await log(VILLAGE_STAFF, VILLAGE_2, VisitorRole.VILLAGE_STAFF)
    with pytest.raises(ValidationFailed):
        await log(VILLAGE_STAFF, VILLAGE, VisitorRole.LEADER)
    for who in (LEADER, SUPERVISOR):
        with pytest.raises(Forbidden):
            await log(who, VILLAGE, VisitorRole.TEAM)


async def test_a_stored_month_is_read_with_the_rosters_days_after_a_change(
    rosters: RosterCommands,
) -> None:
    """Tuesdays until the 15th, Thursdays from the 16th: a month recorded before the
    change reads with the days the roster has now, without a write of its own."""
    recorded = await rosters.record_residence(SECRETARY, RID, "p1", "2026-03", [date(2026, 3, 3)])
    tuesdays = [date(2026, 3, d) for d in (3, 10, 17, 24, 31)]
    assert recorded.stationed_days == tuesdays
    await rosters.change(
        SECRETARY,
        RID,
        None,
        kind=RosterChangeKind.REASSIGNED,
        person_id="p1",
        effective_from=date(2026, 3, 16),
        fields={"weekday": 4},
        reason="改为每周四驻点",
    )
    expected = [date(2026, 3, d) for d in (3, 10, 19, 26)]
    month = await rosters.month(SECRETARY, RID, "p1", "2026-03")
    assert (month.version, month.stationed_days) == (recorded.version, expected)
    [listed] = await rosters.months_of(SECRETARY, RID, "2026-03")
    assert listed.stationed_days == expected
