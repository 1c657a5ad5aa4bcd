"""Who may configure, adjust, finalize, read, record a 约谈 and curate model cases
(the use cases over hand-written fakes; the HTTP matrix is tests/security)."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import UTC, date, datetime

import pytest

from lingban_contracts.divisions import default_tree
from lingban_contracts.events.assessment import ListAction, ModelCaseKind, ResultList, Scheme
from lingban_contracts.events.projects import Rating
from lingban_kit.auth import Principal, Role
from lingban_kit.clock import FixedClock
from lingban_kit.errors import Forbidden, InvalidTransition, NotFound, ValidationFailed
from lingban_supervision.assessment.cases import ModelCase
from lingban_supervision.assessment.domain import Assessment, Talk
from lingban_supervision.assessment.facts import InspectionRow, ProjectInfo, Records
from lingban_supervision.assessment.service import AssessmentCommands, ModelCaseCommands
from tests.supervision.fakes import FakeStore

CITY, TOWNSHIP, OTHER_TOWNSHIP = "340881000000", "340881100000", "340881101000"
VILLAGE, OTHER_VILLAGE = "340881100201", "340881101201"


def who(role: Role, region: str) -> Principal:
    return Principal(
        id=f"{role}@{region}", name="测试", roles=frozenset({role}), region_code=region
    )


ROOT_ORG = who(Role.CITY_ORG, CITY)
TOWNSHIP_ORG = who(Role.CITY_ORG, TOWNSHIP)
TOWNSHIP_SECRETARY = who(Role.TOWNSHIP_SECRETARY, TOWNSHIP)
OTHER_SECRETARY = who(Role.TOWNSHIP_SECRETARY, OTHER_TOWNSHIP)
VILLAGE_SECRETARY = who(Role.VILLAGE_SECRETARY, VILLAGE)
LEADER = who(Role.LEADER, CITY)
SUBSCRIBER = who(Role.SUBSCRIBER, CITY)


class FakeRecords(Records):
    """One village's 一般 project; a completed project to nominate."""

    async def ratings(self, region: str, year: int) -> dict[str, list[Rating]]:
        return {VILLAGE: [Rating.AVERAGE]}

    async def inspections(self, region: str, year: int) -> list[InspectionRow]:
        return []

    async def visits(self, region: str, year: int) -> dict[str, int]:
        return {}

    async def project(self, project_id: str) -> ProjectInfo | None:
        return ProjectInfo(VILLAGE, 2026, "evaluated") if project_id == "p1" else None


@pytest.fixture
def commands() -> AssessmentCommands:
    clock = FixedClock(datetime(2027, 1, 12, 2, tzinfo=UTC))
    return AssessmentCommands(FakeStore(Assessment), FakeRecords(), default_tree(), clock)


@pytest.fixture
def cases() -> ModelCaseCommands:
    clock = FixedClock(datetime(2027, 1, 12, 2, tzinfo=UTC))
    return ModelCaseCommands(FakeStore(ModelCase), FakeRecords(), default_tree(), clock)


@pytest.mark.parametrize("caller", [TOWNSHIP_ORG, TOWNSHIP_SECRETARY, LEADER, SUBSCRIBER])
async def test_only_the_citys_department_configures_adjusts_and_finalizes(
    commands: AssessmentCommands, caller: Principal
) -> None:
    with pytest.raises(Forbidden):
        await commands.set_scheme(caller, CITY, 2026, Scheme(), None)
    with pytest.raises(Forbidden):
        await commands.adjust(caller, 2026, VILLAGE, 2, "加分")
    with pytest.raises(Forbidden):
        await commands.change_list(caller, 2026, VILLAGE, ResultList.TALK, ListAction.ADD, "约谈")
    with pytest.raises(Forbidden):
        await commands.finalize(caller, CITY, 2026, None)


async def test_a_scheme_belongs_to_the_city(commands: AssessmentCommands) -> None:
    with pytest.raises(ValidationFailed):
        await commands.set_scheme(ROOT_ORG, TOWNSHIP, 2026, Scheme(), None)


async def test_everyone_reads_their_own_subtree_only(commands: AssessmentCommands) -> None:
    view = await commands.view(VILLAGE_SECRETARY, VILLAGE, 2026)
    assert [s.unit_code for s in view.scores] == [VILLAGE]
    assert view.scores[0].rank == 1  # the city-wide rank: the only rated village
    township = await commands.view(TOWNSHIP_SECRETARY, TOWNSHIP, 2026)
    assert {s.unit_code for s in township.scores} == {
        u.code for u in default_tree().subtree(TOWNSHIP)
    }
    with pytest.raises(Forbidden):
        await commands.view(OTHER_SECRETARY, VILLAGE, 2026)
    with pytest.raises(Forbidden):
        await commands.view(VILLAGE_SECRETARY, TOWNSHIP, 2026)


async def test_a_talk_is_recorded_from_above_the_unit(commands: AssessmentCommands) -> None:
    def talk(caller: Principal, unit: str = VILLAGE) -> Awaitable[tuple[Assessment, Talk]]:
        return commands.record_talk(
            caller,
            year=2026,
            unit_code=unit,
            held_on=date(2027, 1, 10),
            held_by="镇党委书记",
            attendees=["村书记"],
            notes=None,
        )

    with pytest.raises(NotFound):
        await talk(TOWNSHIP_SECRETARY)  # no assessment yet
    await commands.set_scheme(ROOT_ORG, CITY, 2026, Scheme(), None)
    with pytest.raises(InvalidTransition):
        await talk(TOWNSHIP_SECRETARY)  # not final yet
    await commands.finalize(ROOT_ORG, CITY, 2026, None)
    for refused in (VILLAGE_SECRETARY, OTHER_SECRETARY, LEADER):
        with pytest.raises(Forbidden):
            await talk(refused)
    with pytest.raises(Forbidden):
        await talk(TOWNSHIP_SECRETARY, TOWNSHIP)  # the township's own talk is the city's
    _, held = await talk(TOWNSHIP_SECRETARY)
    assert held.unit_code == VILLAGE
    await talk(ROOT_ORG, TOWNSHIP)  # the township scored 0: on the list by score


async def test_model_cases_are_curated_by_the_department_and_read_published_by_leaders(
    cases: ModelCaseCommands,
) -> None:
    def nominate(
        caller: Principal, kind: ModelCaseKind, unit: str, project: str | None = None
    ) -> Awaitable[ModelCase]:
        return cases.nominate(
            caller, kind=kind, unit_code=unit, project_id=project, year=2026, title="t", summary="s"
        )

    for refused in (TOWNSHIP_SECRETARY, LEADER, SUBSCRIBER):
        with pytest.raises(Forbidden):
            await nominate(refused, ModelCaseKind.MODEL_VILLAGE, VILLAGE)
    with pytest.raises(Forbidden):
        await nominate(TOWNSHIP_ORG, ModelCaseKind.MODEL_VILLAGE, OTHER_VILLAGE)
    with pytest.raises(ValidationFailed):
        await nominate(ROOT_ORG, ModelCaseKind.MODEL_TOWNSHIP, VILLAGE)  # not a township
    with pytest.raises(ValidationFailed):
        await nominate(ROOT_ORG, ModelCaseKind.PROJECT, VILLAGE, "unknown")
    brand = await nominate(TOWNSHIP_ORG, ModelCaseKind.PROJECT, VILLAGE, "p1")
    model_village = await nominate(ROOT_ORG, ModelCaseKind.MODEL_VILLAGE, VILLAGE)
    with pytest.raises(Forbidden):
        await cases.publish(LEADER, brand.id, None)
    with pytest.raises(NotFound):
        await cases.publish(who(Role.CITY_ORG, OTHER_TOWNSHIP), brand.id, None)
    await cases.publish(ROOT_ORG, brand.id, None)
    assert [c.id for c in await cases.search(LEADER, CITY, 2026)] == [brand.id]
    assert len(await cases.search(TOWNSHIP_SECRETARY, TOWNSHIP, 2026)) == 2
    with pytest.raises(NotFound):
        await cases.load(SUBSCRIBER, model_village.id)
    with pytest.raises(NotFound):
        await cases.load(OTHER_SECRETARY, brand.id)
    assert await cases.search(OTHER_SECRETARY, OTHER_TOWNSHIP, 2026) == []
