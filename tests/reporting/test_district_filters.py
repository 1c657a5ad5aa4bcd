"""Region filters at every level on the real database: a district's lists and figures come
from its own subtree, selected by one indexed equality on the stored region path; a unit
moved to another parent is re-stamped from the division event, and its figures follow."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import cast

import pytest

from lingban_contracts import Actor, Envelope, new_envelope
from lingban_contracts.divisions import DivisionTree, Unit, unit_from_json
from lingban_contracts.events import divisions as dev
from lingban_kit.explain import assert_indexed
from lingban_kit.mongo import Database
from lingban_kit.regions import REGION_PATH
from lingban_reporting.figures.layout import Layout, rollup_id
from lingban_reporting.figures.reads import FigureReads, counts_of
from lingban_reporting.projector import Projector
from lingban_reporting.projects.repository import (
    MongoProjectReadRepository,
    ProjectFilter,
    overdue_query,
)
from lingban_reporting.read_models.entities import id_filter
from lingban_reporting.read_models.generations import ReadModels, ensure_indexes
from lingban_reporting.read_models.regions import region_equality
from lingban_reporting.read_models.restamp import backfill_region_paths
from lingban_reporting.supervision.repository import RECTIFICATION_STATUSES, rectification_queries
from tests.projects.four_levels import (
    CITY,
    DISTRICT,
    OTHER_DISTRICT,
    OTHER_TOWNSHIP,
    TOWNSHIP,
    UNITS,
    VILLAGE,
)
from tests.reporting.project_world import World

pytestmark = pytest.mark.integration

YEAR = 2026
SECOND_VILLAGE = "340803100202"
OTHER_VILLAGE = "340811100201"  # 杨桥村, in the other district


def four_levels() -> DivisionTree:
    """The four-level tree (outside the demo tree), with a village in the other district;
    this test's own object, so nothing else in the process sees its changes."""
    other: dict[str, object] = {
        "code": OTHER_VILLAGE,
        "name": "杨桥村",
        "level": "village",
        "parent": OTHER_TOWNSHIP,
    }
    units = [cast("dict[str, object]", u) for u in UNITS]
    units.append(other)
    return DivisionTree(unit_from_json(u) for u in units)


def the_unit(tree: DivisionTree, code: str) -> Unit:
    unit = tree.get(code)
    assert unit is not None
    return unit


def a_year() -> World:
    world = World(YEAR)
    world.add(VILLAGE, "海口村道路").approve().start().miss_stage(f"{YEAR}-04")
    world.add(VILLAGE, "海口村路灯", "人居环境").approve()
    world.add(SECOND_VILLAGE, "长风村广场")
    world.add(TOWNSHIP, "海口镇便民中心").approve().start()
    world.add(OTHER_VILLAGE, "杨桥村水渠").approve().start().miss_stage(f"{YEAR}-05")
    world.add(OTHER_VILLAGE, "杨桥村调解室")
    world.add(OTHER_TOWNSHIP, "杨桥镇网格")
    return world


def moved(unit: Unit, parent: str, version: int) -> Envelope:
    after = Unit(unit.code, unit.name, unit.level, parent, unit.secretary)
    return new_envelope(
        data=dev.UnitUpdated(
            unit=dev.UnitState.of(after), version=version, changed=["parent"], reason="区划调整"
        ),
        source_service="projects",
        actor=Actor(id="tester"),
        region_code=unit.code,
        aggregate_id=unit.code,
        aggregate_version=version,
        time=datetime(YEAR, 8, 1, tzinfo=UTC),
    )


async def test_a_districts_lists_and_figures_come_from_its_subtree_by_index(
    database: Database,
) -> None:
    tree, world = four_levels(), a_year()
    models = ReadModels(database, "district")
    await ensure_indexes(models)
    await Projector(database, tree).apply(world.events(), models)
    reads = FigureReads(models, Layout(tree))
    repository = MongoProjectReadRepository(models, tree)

    for region in (CITY, DISTRICT, OTHER_DISTRICT, TOWNSHIP, VILLAGE):
        mine = {p.id for p in world.within(region)}
        # The filter alone selects the subtree: nothing of the other district is read.
        query = ProjectFilter(YEAR, region).query()
        assert {d["_id"] async for d in models.projects.find(query)} == mine, region
        await assert_indexed(models.projects, query)
        total, page = await repository.page(ProjectFilter(YEAR, region), 100, 0)
        assert (total, {d["_id"] for d in page}) == (len(mine), mine), region
        # A filter the figures do not count is read by the same equality.
        where = ProjectFilter(YEAR, region, status="in_execution", overdue=True)
        _, read = await repository.page(where, 100, 0)
        assert {d["_id"] for d in read} == {
            p.id for p in world.within(region) if p.status == "in_execution" and p.overdue_months
        }
        await assert_indexed(models.projects, where.query())
        overdue = await repository.overdue(YEAR, region, ("unit_code",))
        assert {d["_id"] for d in overdue} == {
            p.id for p in world.within(region) if p.overdue_months
        }
        await assert_indexed(models.projects, overdue_query(YEAR, region))
        for rectifications in rectification_queries(region, RECTIFICATION_STATUSES):
            await assert_indexed(models.rectifications, rectifications)
        for base in (models.problems, models.visits):
            await assert_indexed(base, {"year": YEAR, **region_equality(region)})
        # The figures of the subtree: the district's are its townships' and villages' only.
        counts = counts_of(await reads.subtree(YEAR, the_unit(tree, region)))
        assert counts.get("p", 0) == len(mine), region
        assert counts.get("po", 0) == sum(1 for p in world.within(region) if p.overdue_months)
    children = await reads.children(YEAR, the_unit(tree, CITY))
    assert {code: counts_of(d).get("p") for code, d in children.items()} == {
        DISTRICT: 4,
        OTHER_DISTRICT: 3,
    }


async def test_a_moved_unit_is_restamped_from_the_division_event_once(
    database: Database,
) -> None:
    tree, world = four_levels(), a_year()
    models = ReadModels(database, "moves")
    await ensure_indexes(models)
    projector = Projector(database, tree)
    await projector.apply(world.events(), models)
    reads = FigureReads(models, Layout(tree))
    township_before = counts_of(await reads.subtree(YEAR, the_unit(tree, TOWNSHIP)))
    assert township_before.get("p") == 4
    village_project = world.within(VILLAGE)[0].id
    doc = await models.projects.find_one(id_filter(village_project))
    assert doc is not None
    assert doc["township_code"] == TOWNSHIP

    # 海口村 now hangs directly below its district (its code stays in the district's range).
    move = moved(the_unit(tree, VILLAGE), DISTRICT, 2)
    assert await projector.apply([move], models) > 0
    assert the_unit(tree, VILLAGE).parent == DISTRICT  # this process's tree took it at once
    doc = await models.projects.find_one(id_filter(village_project))
    assert doc is not None
    assert doc["township_code"] is None
    assert DISTRICT in doc["region_path"]
    reads = FigureReads(models, Layout(tree))
    township = counts_of(await reads.subtree(YEAR, the_unit(tree, TOWNSHIP)))
    district = counts_of(await reads.subtree(YEAR, the_unit(tree, DISTRICT)))
    assert township.get("p") == 2  # 长风村 and the township's own
    assert district.get("p") == 4  # the district still holds all four
    village_doc = await models.figures.find_one(id_filter(f"u:{YEAR}:{VILLAGE}"))
    assert village_doc is not None
    assert village_doc["sums_into"] == rollup_id(YEAR, DISTRICT)

    # The event again (redelivered, or a second writer's copy): nothing changes.
    before = [d async for d in models.figures.find({})]
    assert await Projector(database, tree).apply([move], models) == 0
    assert sorted([d async for d in models.figures.find({})], key=str) == sorted(before, key=str)
    # Later events of the moved village's projects keep the new place.
    project = world.within(VILLAGE)[1]
    project.start()
    await projector.apply(project.events[-1:], models)
    assert counts_of(await reads.subtree(YEAR, the_unit(tree, TOWNSHIP))).get("p") == 2
    assert counts_of(await reads.subtree(YEAR, the_unit(tree, DISTRICT))).get("p") == 4


async def test_documents_from_before_the_region_path_get_it_once_at_start(
    database: Database,
) -> None:
    tree, world = four_levels(), a_year()
    models = ReadModels(database, "backfill")
    await ensure_indexes(models)
    await Projector(database, tree).apply(world.events(), models)
    # As an older version stored them: no path.
    await models.projects.update_many({}, {"$unset": {REGION_PATH: ""}})
    assert [d async for d in models.projects.find(ProjectFilter(YEAR, DISTRICT).query())] == []

    assert await backfill_region_paths(models) == len(world.projects)
    found = {d["_id"] async for d in models.projects.find(ProjectFilter(YEAR, DISTRICT).query())}
    assert found == {p.id for p in world.within(DISTRICT)}
    assert await backfill_region_paths(models) == 0  # once per generation
