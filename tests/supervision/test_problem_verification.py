"""Problem-list integrity (LB-15): a problem pointed out by a superior (上级点) or
found by supervision is struck off (办结销号) by the level above the unit, and a
problem may only name a project or inspection of its own unit."""

from __future__ import annotations

import pytest

from lingban_contracts.divisions import default_tree
from lingban_contracts.events.supervision import (
    InspectionMethod,
    ProblemChannel,
    ProblemLevel,
    ProblemSource,
    ProblemStatus,
)
from lingban_kit.auth import Principal, Role
from lingban_kit.errors import Forbidden, ValidationFailed
from lingban_supervision.problems.domain import Facts, Problem
from lingban_supervision.problems.service import ProblemCommands

from .builders import CITY, OTHER_VILLAGE, TOWNSHIP, VILLAGE, principal
from .fakes import FakeStore
from .test_use_cases import World

VILLAGE_SEC = principal(Role.VILLAGE_SECRETARY, VILLAGE)
TOWNSHIP_STAFF = principal(Role.TOWNSHIP_STAFF, TOWNSHIP)
TOWNSHIP_SEC = principal(Role.TOWNSHIP_SECRETARY, TOWNSHIP)
CITY_ORG = principal(Role.CITY_ORG, CITY)
SUPERVISOR = principal(Role.SUPERVISOR, CITY)
OTHER_VILLAGE_SEC = principal(Role.VILLAGE_SECRETARY, OTHER_VILLAGE)
VILLAGE_PROJECT = "100-小区治理-0"  # of VILLAGE (builders.pool)
OTHER_PROJECT = "101-小区治理-0"  # of OTHER_VILLAGE, another township


def problems(world: World) -> ProblemCommands:
    return ProblemCommands(
        FakeStore(Problem),
        default_tree(),
        world.clock,
        (),
        projects=world.inspectable,
        inspections=world.inspections_store,
    )


def facts(
    unit: str,
    source: ProblemSource,
    channel: ProblemChannel = ProblemChannel.OTHER,
    *,
    project_id: str | None = None,
    inspection_id: str | None = None,
) -> Facts:
    return Facts(
        unit_code=unit,
        township_code=TOWNSHIP if unit.startswith(TOWNSHIP[:9]) else None,
        project_id=project_id,
        year=2026,
        source=source,
        channel=channel,
        category="项目推进",
        level=ProblemLevel.ORGANISATION,
        description="工作专班无人在岗",
        inspection_id=inspection_id,
    )


async def test_the_unit_cannot_strike_off_a_problem_its_superior_pointed_out() -> None:
    world = World()
    commands = problems(world)
    problem = await commands.register(TOWNSHIP_STAFF, facts(VILLAGE, ProblemSource.SUPERIOR), [])
    # The village reports its rectification by moving the problem on ...
    moved = await commands.change_status(
        VILLAGE_SEC, problem.id, ProblemStatus.IN_PROGRESS, ["AB 岗"], "已整改，请核验", None
    )
    assert moved.status is ProblemStatus.IN_PROGRESS
    # ... but cannot strike it off itself.
    with pytest.raises(Forbidden) as caught:
        await commands.resolve(VILLAGE_SEC, problem.id, "已办结", None)
    assert "上级" in caught.value.message
    assert (await commands.load(TOWNSHIP_STAFF, problem.id)).status is ProblemStatus.IN_PROGRESS
    # The township, the level above the village, checks and strikes it off.
    done = await commands.resolve(TOWNSHIP_STAFF, problem.id, "核验属实，销号", None)
    assert done.status is ProblemStatus.RESOLVED


@pytest.mark.parametrize("who", [TOWNSHIP_SEC, TOWNSHIP_STAFF])
async def test_a_township_cannot_strike_off_its_own_inspection_finding(who: Principal) -> None:
    world = World()
    commands = problems(world)
    problem = await commands.register(
        SUPERVISOR, facts(TOWNSHIP, ProblemSource.PEERS, ProblemChannel.INSPECTION), []
    )
    with pytest.raises(Forbidden):
        await commands.resolve(who, problem.id, "已办结", None)
    for above in (CITY_ORG, SUPERVISOR):
        assert above.can_see(problem.unit_code)
    done = await commands.resolve(SUPERVISOR, problem.id, "督导组核验销号", None)
    assert done.status is ProblemStatus.RESOLVED


async def test_the_unit_still_strikes_off_what_it_found_itself() -> None:
    world = World()
    commands = problems(world)
    problem = await commands.register(
        VILLAGE_SEC, facts(VILLAGE, ProblemSource.SELF_EXAMINATION), []
    )
    done = await commands.resolve(VILLAGE_SEC, problem.id, "已办结", None)
    assert done.status is ProblemStatus.RESOLVED


async def test_a_problem_names_only_a_project_of_its_unit() -> None:
    world = World()
    commands = problems(world)
    ok = await commands.register(
        VILLAGE_SEC, facts(VILLAGE, ProblemSource.RESIDENTS, project_id=VILLAGE_PROJECT), []
    )
    assert ok.facts.project_id == VILLAGE_PROJECT
    for unknown in (OTHER_PROJECT, "no-such-project"):
        with pytest.raises(ValidationFailed) as caught:
            await commands.register(
                VILLAGE_SEC, facts(VILLAGE, ProblemSource.RESIDENTS, project_id=unknown), []
            )
        assert [d.field for d in caught.value.details] == ["project_id"]
        assert "不属于该单位" in caught.value.message


async def test_a_problem_names_only_an_inspection_of_its_unit() -> None:
    world = World()
    commands = problems(world)
    group = await world.city_group()
    inspection = await world.plan(group, InspectionMethod.ON_SITE)  # of VILLAGE
    ok = await commands.register(
        SUPERVISOR,
        facts(
            VILLAGE, ProblemSource.SUPERIOR, ProblemChannel.INSPECTION, inspection_id=inspection.id
        ),
        [],
    )
    assert ok.facts.inspection_id == inspection.id
    # Another unit's (here: another township's) inspection cannot be named.
    with pytest.raises(ValidationFailed) as caught:
        await commands.register(
            OTHER_VILLAGE_SEC,
            facts(OTHER_VILLAGE, ProblemSource.SUPERIOR, inspection_id=inspection.id),
            [],
        )
    assert [d.field for d in caught.value.details] == ["inspection_id"]
    # Nor an unannounced inspection the unit may not know of yet.
    hidden = await world.plan(group, InspectionMethod.UNANNOUNCED)
    with pytest.raises(ValidationFailed):
        await commands.register(
            VILLAGE_SEC, facts(VILLAGE, ProblemSource.SUPERIOR, inspection_id=hidden.id), []
        )
