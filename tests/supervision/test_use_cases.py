"""Use cases on fakes: who may do what, what an inspected unit may see, the overdue check."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from lingban_contracts.divisions import default_tree
from lingban_contracts.events.supervision import GroupMember, InspectionMethod
from lingban_kit.auth import Principal, Role
from lingban_kit.clock import FixedClock
from lingban_kit.errors import Forbidden, InvalidTransition, NotFound, ValidationFailed
from lingban_supervision.groups.domain import Composition, Group
from lingban_supervision.groups.service import GroupCommands
from lingban_supervision.inspections.domain import Inspection
from lingban_supervision.inspections.service import InspectionCommands, Rules
from lingban_supervision.sampling.domain import Sample
from lingban_supervision.sampling.service import SampleCommands

from .builders import (
    CITY,
    OTHER_TOWNSHIP,
    OTHER_VILLAGE,
    TOWNSHIP,
    VILLAGE,
    checklist,
    pool,
    principal,
)
from .fakes import FakeInspectable, FakeStore

CITY_ORG = principal(Role.CITY_ORG, CITY)
SUPERVISOR = principal(Role.SUPERVISOR, CITY)
TOWNSHIP_SEC = principal(Role.TOWNSHIP_SECRETARY, TOWNSHIP)
VILLAGE_SEC = principal(Role.VILLAGE_SECRETARY, VILLAGE)
COMPOSITION = Composition(
    name="市第一督导组",
    members=(
        GroupMember(name="甲", department="组织部", leader=True),
        GroupMember(name="乙", department="纪委监委"),
    ),
    covered_units=(TOWNSHIP,),
)


class World:
    def __init__(self) -> None:
        self.clock = FixedClock(datetime(2026, 3, 2, 2, tzinfo=UTC))
        tree = default_tree()
        self.groups_store: FakeStore[Group] = FakeStore(Group)
        self.inspections_store: FakeStore[Inspection] = FakeStore(Inspection)
        self.samples_store: FakeStore[Sample] = FakeStore(Sample)
        self.inspectable = FakeInspectable(pool(2))
        self.groups = GroupCommands(self.groups_store, tree, self.clock)
        self.samples = SampleCommands(
            self.samples_store,
            self.groups_store,
            self.inspections_store,
            self.inspectable,
            self.clock,
        )
        self.inspections = InspectionCommands(
            self.inspections_store,
            self.groups_store,
            self.samples_store,
            self.inspectable,
            tree,
            self.clock,
            Rules(),
        )

    async def city_group(self) -> Group:
        return await self.groups.form(CITY_ORG, CITY, 2026, COMPOSITION)

    async def plan(
        self, group: Group, method: InspectionMethod, who: Principal = SUPERVISOR
    ) -> Inspection:
        return await self.inspections.plan(
            who,
            group_id=group.id,
            planned_on=date(2026, 3, 10),
            method=method,
            unit_code=VILLAGE,
            project_id=None,
            sample_id=None,
        )


async def test_a_township_secretary_cannot_form_a_city_group() -> None:
    world = World()
    with pytest.raises(Forbidden):
        await world.groups.form(TOWNSHIP_SEC, CITY, 2026, COMPOSITION)


async def test_a_group_covers_only_units_in_its_region() -> None:
    world = World()
    township_composition = Composition("镇督导组", COMPOSITION.members, (OTHER_VILLAGE,))
    with pytest.raises(ValidationFailed) as error:
        await world.groups.form(TOWNSHIP_SEC, TOWNSHIP, 2026, township_composition)
    assert error.value.details[0].field == "covered_units.0"


async def test_only_the_group_side_plans() -> None:
    world = World()
    group = await world.city_group()
    with pytest.raises(Forbidden):
        await world.plan(group, InspectionMethod.ON_SITE, principal(Role.LEADER, CITY))
    with pytest.raises(NotFound):  # the city group is above a township's jurisdiction
        await world.plan(group, InspectionMethod.ON_SITE, TOWNSHIP_SEC)


async def test_an_unannounced_inspection_is_hidden_from_the_inspected_unit_until_recorded() -> None:
    world = World()
    group = await world.city_group()
    inspection = await world.plan(group, InspectionMethod.UNANNOUNCED)
    for outsider in (VILLAGE_SEC, TOWNSHIP_SEC):
        with pytest.raises(NotFound):
            await world.inspections.load(outsider, inspection.id)
        assert (
            await world.inspections.search(
                outsider, group_id=None, year=None, half_month=None, status=None
            )
            == []
        )
    assert (await world.inspections.load(SUPERVISOR, inspection.id)).id == inspection.id
    await world.inspections.record(
        SUPERVISOR,
        inspection.id,
        inspected_on=date(2026, 3, 10),
        checklist=checklist(),
        team_absent=False,
        findings=[],
        photos=[],
        expected=None,
    )
    assert (await world.inspections.load(VILLAGE_SEC, inspection.id)).status == "passed"


async def test_an_announced_inspection_is_visible_to_the_unit_at_once() -> None:
    world = World()
    group = await world.city_group()
    inspection = await world.plan(group, InspectionMethod.ON_SITE)
    assert (await world.inspections.load(VILLAGE_SEC, inspection.id)).id == inspection.id


async def test_the_unit_submits_and_nobody_verifies_their_own_unit() -> None:
    world = World()
    group = await world.city_group()
    inspection = await world.plan(group, InspectionMethod.ON_SITE)
    await world.inspections.record(
        SUPERVISOR,
        inspection.id,
        inspected_on=date(2026, 3, 10),
        checklist=checklist(25, 25),
        team_absent=False,
        findings=[],
        photos=[],
        expected=None,
    )
    with pytest.raises(Forbidden):  # a supervisor is not the unit
        await world.inspections.submit(
            SUPERVISOR, inspection.id, measures=["m"], narrative="n", photos=[], expected=None
        )
    with pytest.raises(NotFound):  # another township's secretary does not even see it
        await world.inspections.submit(
            principal(Role.TOWNSHIP_SECRETARY, OTHER_TOWNSHIP),
            inspection.id,
            measures=["m"],
            narrative="n",
            photos=[],
            expected=None,
        )
    await world.inspections.submit(
        VILLAGE_SEC, inspection.id, measures=["m"], narrative="n", photos=[], expected=None
    )
    with pytest.raises(Forbidden):
        await world.inspections.verify(VILLAGE_SEC, inspection.id, None, None)
    closed = await world.inspections.verify(SUPERVISOR, inspection.id, "ok", None)
    assert closed.rectification is not None
    assert closed.rectification.status == "closed"


async def test_the_check_finds_overdue_rectifications_once() -> None:
    world = World()
    group = await world.city_group()
    inspection = await world.plan(group, InspectionMethod.ON_SITE)
    await world.inspections.record(
        SUPERVISOR,
        inspection.id,
        inspected_on=date(2026, 3, 10),
        checklist=checklist(25, 25),
        team_absent=False,
        findings=[],
        photos=[],
        expected=None,
    )
    world.clock.set(datetime(2026, 3, 25, 2, tzinfo=UTC))
    assert await world.inspections.run_checks() == {"rectifications_overdue": []}
    world.clock.set(datetime(2026, 3, 26, 2, tzinfo=UTC))
    assert await world.inspections.run_checks() == {
        "rectifications_overdue": [f"{inspection.id}-r"]
    }
    assert await world.inspections.run_checks() == {"rectifications_overdue": []}
    assert (
        world.inspections_store.published.count("lingban.supervision.rectification-overdue.v1") == 1
    )


async def test_a_sealed_draw_is_disclosed_only_after_its_inspections_are_recorded() -> None:
    world = World()
    group = await world.groups.form(
        CITY_ORG,
        CITY,
        2026,
        Composition("市督导组", COMPOSITION.members, (TOWNSHIP, OTHER_TOWNSHIP)),
    )
    sample = await world.samples.draw(
        SUPERVISOR,
        group_id=group.id,
        half_month="2026-03-H1",
        per_stratum=1,
        sealed=True,
    )
    assert len(sample.drawn_project_ids) == 4
    project = world.inspectable.projects[sample.drawn_project_ids[0]]
    inspection = await world.inspections.plan(
        SUPERVISOR,
        group_id=group.id,
        planned_on=date(2026, 3, 12),
        method=InspectionMethod.UNANNOUNCED,
        unit_code=None,
        project_id=project.project_id,
        sample_id=sample.id,
    )
    assert inspection.unit_code == project.unit_code
    with pytest.raises(InvalidTransition, match="not recorded"):
        await world.samples.disclose(SUPERVISOR, sample.id)
    await world.inspections.record(
        SUPERVISOR,
        inspection.id,
        inspected_on=date(2026, 3, 12),
        checklist=checklist(),
        team_absent=False,
        findings=[],
        photos=[],
        expected=None,
    )
    disclosed = await world.samples.disclose(SUPERVISOR, sample.id)
    assert not disclosed.sealed
    audit = await world.samples.audit(principal(Role.LEADER, CITY), sample.id)
    assert audit.matches


async def test_a_project_not_drawn_cannot_be_planned_from_the_draw() -> None:
    world = World()
    group = await world.groups.form(
        CITY_ORG,
        CITY,
        2026,
        Composition("市督导组", COMPOSITION.members, (TOWNSHIP, OTHER_TOWNSHIP)),
    )
    sample = await world.samples.draw(
        SUPERVISOR,
        group_id=group.id,
        half_month="2026-03-H1",
        per_stratum=1,
        sealed=False,
    )
    not_drawn = next(p for p in world.inspectable.projects if p not in sample.drawn_project_ids)
    with pytest.raises(ValidationFailed) as error:
        await world.inspections.plan(
            SUPERVISOR,
            group_id=group.id,
            planned_on=date(2026, 3, 12),
            method=InspectionMethod.ON_SITE,
            unit_code=None,
            project_id=not_drawn,
            sample_id=sample.id,
        )
    assert [d.field for d in error.value.details] == ["project_id"]


async def test_an_unannounced_inspection_cannot_come_from_an_open_draw() -> None:
    world = World()
    group = await world.groups.form(
        CITY_ORG, CITY, 2026, Composition("市督导组", COMPOSITION.members, (TOWNSHIP,))
    )
    sample = await world.samples.draw(
        SUPERVISOR,
        group_id=group.id,
        half_month="2026-03-H1",
        per_stratum=1,
        sealed=False,
    )
    with pytest.raises(ValidationFailed) as error:
        await world.inspections.plan(
            SUPERVISOR,
            group_id=group.id,
            planned_on=date(2026, 3, 12),
            method=InspectionMethod.UNANNOUNCED,
            unit_code=None,
            project_id=sample.drawn_project_ids[0],
            sample_id=sample.id,
        )
    assert [d.field for d in error.value.details] == ["sample_id"]
