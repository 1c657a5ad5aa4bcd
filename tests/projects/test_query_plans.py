"""Every query of the projects service is served by an index, and still finds the right projects.

Each test runs the real code path (HTTP or repository) and asks the database's
`explain` about the very filter builder that code path uses.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from typing import Any

import pytest

from devstack.infra import Endpoints
from lingban_contracts.divisions import default_tree
from lingban_contracts.events.projects import ReviewScores, StageStatus
from lingban_contracts.regions import in_subtree
from lingban_kit.auth import Role
from lingban_kit.clock import FixedClock
from lingban_kit.explain import assert_indexed, explain_find
from lingban_kit.migrations import MIGRATIONS_COLLECTION
from lingban_kit.mongo import Database
from lingban_kit.regions import REGION_PATH, region_path, within
from lingban_projects.projects.domain import Project, Status
from lingban_projects.projects.listing import list_page
from lingban_projects.projects.repository import (
    PACKED,
    PROJECTS_COLLECTION,
    MongoProjectRepository,
    Where,
    backfill_first_unflagged_month,
    coverage_filter,
    pack_stored_lists,
    search_filter,
    status_filter,
    to_document,
    unflagged_filter,
    unpacked,
    where_filter,
)
from tests.auth import auth

from .builders import (
    CITY,
    OTHER_TOWNSHIP,
    TOWNSHIP,
    VILLAGE,
    declaration,
    principal,
)
from .conftest import ProjectsApi, running_app

GOOD = ReviewScores(feasibility=85, precision=80, effectiveness=90)
VILLAGE_2 = "340881100202"  # 凤岗村, in 新渡镇
OTHER_VILLAGE = "340881101201"  # 丰圩村, in 双港镇
CITY_ORG = auth(Role.CITY_ORG, CITY)


def test_region_path_selects_exactly_the_subtree_at_every_level() -> None:
    """`{region_path: R}` matches the same units as the old `^prefix(R)` regex did."""
    units = [u.code for u in default_tree()]
    regions = [*units, "340000000000", "340800000000", "340882000000", "350881100000"]
    for unit in units:
        path = region_path(unit)
        for region in regions:
            assert (within(region)[REGION_PATH] in path) == in_subtree(unit, region), (unit, region)


def body(unit_code: str, title: str, category: str = "小区治理") -> dict[str, Any]:
    return {
        "unit_code": unit_code,
        "year": 2026,
        "title": title,
        "category": category,
        "problem": "问题",
        "expected_goals": "目标",
        "evaluation_criteria": "标准",
        "lead_secretary": "书记",
        "task_force": ["甲"],
        "deadline": "2026-04-30",
        "stage_tasks": [{"month": "2026-04", "task": "摸底", "deliverable": "清单"}],
    }


async def declare(
    api: ProjectsApi, headers: dict[str, str], unit: str, title: str, **kw: Any
) -> str:
    answer = await api.http.post("/v1/projects", json=body(unit, title, **kw), headers=headers)
    assert answer.status_code == 201, answer.text
    project_id: str = answer.json()["id"]
    return project_id


async def titles(api: ProjectsApi, **params: Any) -> list[str]:
    answer = await api.http.get("/v1/projects", params=params, headers=CITY_ORG)
    assert answer.status_code == 200, answer.text
    return sorted(p["declaration"]["title"] for p in answer.json())


@pytest.mark.integration
async def test_lists_and_coverage_at_every_level_are_indexed_and_right(api: ProjectsApi) -> None:
    await declare(api, auth(Role.VILLAGE_SECRETARY, VILLAGE), VILLAGE, "村一")
    await declare(
        api, auth(Role.VILLAGE_SECRETARY, VILLAGE_2), VILLAGE_2, "村二", category="议事协商"
    )
    township = auth(Role.TOWNSHIP_SECRETARY, TOWNSHIP)
    await declare(api, township, TOWNSHIP, "镇级")
    await declare(api, auth(Role.VILLAGE_SECRETARY, OTHER_VILLAGE), OTHER_VILLAGE, "他村")
    await declare(api, CITY_ORG, CITY, "市级")

    assert await titles(api, region=CITY) == sorted(["市级", "他村", "镇级", "村一", "村二"])
    assert await titles(api, region=TOWNSHIP) == sorted(["镇级", "村一", "村二"])
    assert await titles(api, region=VILLAGE) == sorted(["村一"])
    assert await titles(api, region=OTHER_TOWNSHIP, year=2026) == sorted(["他村"])
    assert await titles(api, region=TOWNSHIP, category="议事协商") == sorted(["村二"])
    assert await titles(api, region=TOWNSHIP, own="true") == ["镇级"]
    assert await titles(api, region=CITY, own="true") == ["市级"]
    assert await titles(api, region=CITY, year=2026, status="draft", category="小区治理") == sorted(
        ["市级", "他村", "镇级", "村一"]
    )
    assert await titles(api, region=CITY, year=2025) == []
    # A township secretary's own list defaults to the township.
    own = await api.http.get("/v1/projects", headers=township)
    assert sorted(p["declaration"]["title"] for p in own.json()) == sorted(["镇级", "村一", "村二"])

    coverage = await api.http.get(
        "/v1/coverage", params={"year": 2026, "region": TOWNSHIP}, headers=township
    )
    assert coverage.status_code == 200, coverage.text
    assert coverage.json()["covered"] == 3  # the township itself and two of its villages

    projects = api.db[PROJECTS_COLLECTION]
    # The filter it replaces was a scan: the check can tell.
    regex = {"unit_code": {"$regex": f"^{TOWNSHIP[:9]}"}}
    assert not (await explain_find(projects, regex)).indexed
    for region in (CITY, TOWNSHIP, VILLAGE):
        await assert_indexed(projects, search_filter(region))
        await assert_indexed(projects, search_filter(region, 2026))
        await assert_indexed(projects, search_filter(region, 2026, "draft", "小区治理"))
        await assert_indexed(projects, search_filter(region, status="in_execution"))
        await assert_indexed(projects, search_filter(region, category="小区治理"))
        await assert_indexed(projects, coverage_filter(region, 2026))


@pytest.mark.integration
async def test_a_list_walks_the_regions_in_order_on_indexed_reads(api: ProjectsApi) -> None:
    """`listing.list_page` on the real database: its pages are the sorted whole's pages,
    and each of its reads (a subtree, or a unit's own projects) is indexed."""
    repo = MongoProjectRepository(api.db)
    tree = default_tree()
    actor = principal(Role.VILLAGE_SECRETARY).actor
    now = datetime(2026, 3, 1, tzinfo=UTC)
    units = [CITY, TOWNSHIP, VILLAGE, VILLAGE_2, OTHER_TOWNSHIP, OTHER_VILLAGE]
    for i in range(36):
        unit = units[i % len(units)]
        project = Project.declare(unit, 2026, declaration(), actor, now)
        status = (Status.DRAFT, Status.SUBMITTED)[i % 4 == 0]
        await repo.add(dataclasses.replace(project, status=status))

    async def whole(where: Where) -> list[str]:
        found = await repo.matching(where)
        return [p.id for p in sorted(found, key=lambda p: (p.unit_code, p.id))]

    for where in (Where(CITY), Where(CITY, 2026, "submitted"), Where(TOWNSHIP, 2026)):
        every = await whole(where)
        assert every, where
        for limit, offset in ((50, 0), (4, 0), (5, 7), (3, len(every) - 2)):
            # A probe of 3 makes the walk descend to the villages.
            page = await list_page(repo, tree, where, limit, offset, probe=3)
            assert [p.id for p in page] == every[offset : offset + limit], (where, offset)

    projects = api.db[PROJECTS_COLLECTION]
    for region in (CITY, TOWNSHIP, VILLAGE):
        await assert_indexed(projects, where_filter(Where(region, 2026).own()))
        await assert_indexed(projects, where_filter(Where(region, status="submitted").own()))


@pytest.mark.integration
async def test_the_hourly_checks_read_each_status_through_an_index(api: ProjectsApi) -> None:
    repo = MongoProjectRepository(api.db)
    clock = FixedClock(datetime(2026, 1, 5, 2, tzinfo=UTC))
    by_status: dict[Status, str] = {}
    for status in (Status.DRAFT, Status.ANNOUNCED, Status.IN_EXECUTION, Status.COMPLETED):
        project = Project.declare(
            VILLAGE, 2026, declaration(), principal(Role.VILLAGE_SECRETARY).actor, clock.now()
        )
        # Only the stored status matters to this query.
        await repo.add(dataclasses.replace(project, status=status))
        by_status[status] = project.id

    found = await repo.ids_in_status((Status.ANNOUNCED, Status.IN_EXECUTION))
    assert sorted(found) == sorted([by_status[Status.ANNOUNCED], by_status[Status.IN_EXECUTION]])
    for status in Status:
        await assert_indexed(api.db[PROJECTS_COLLECTION], status_filter(status))


def in_execution_since_march(clock: FixedClock) -> Project:
    above = principal(Role.TOWNSHIP_SECRETARY, TOWNSHIP).actor
    project = Project.declare(
        VILLAGE, 2026, declaration(), principal(Role.VILLAGE_SECRETARY).actor, clock.now()
    )
    project.submit(TOWNSHIP, principal(Role.VILLAGE_SECRETARY).actor, clock.now())
    project.review(
        approve=True, scores=GOOD, reasons=(), comment=None, actor=above, now=clock.now()
    )
    project.file(above, clock.now())
    project.announce(date(2026, 2, 2), date(2026, 2, 8), above, clock.now())
    project.start_execution(date(2026, 2, 9), above, clock.now())
    return project


@pytest.mark.integration
async def test_the_hourly_checks_read_only_projects_with_a_month_to_flag(
    api: ProjectsApi,
) -> None:
    repo = MongoProjectRepository(api.db)
    clock = FixedClock(datetime(2026, 2, 9, 2, tzinfo=UTC))
    reported, flagged, open_ = (in_execution_since_march(clock) for _ in range(3))
    secretary = principal(Role.VILLAGE_SECRETARY).actor
    for month in [s.month for s in reported.stages]:
        reported.report_stage(
            month, status=StageStatus.DONE, percent=100, narrative="完成", attachments=(),
            today=date(2026, 12, 1), actor=secretary, now=clock.now(),
        )  # fmt: skip
    flagged.detect_overdue(date(2027, 1, 1), principal(Role.CITY_ORG, CITY).actor, clock.now())
    for project in (reported, flagged, open_):
        await repo.add(project)

    # March, unreported and not flagged: due once March is over, not before.
    assert await repo.ids_with_unflagged_month_before("2026-03") == []
    assert await repo.ids_with_unflagged_month_before("2026-04") == [open_.id]
    assert await repo.ids_with_unflagged_month_before("2027-06") == [open_.id]
    await assert_indexed(api.db[PROJECTS_COLLECTION], unflagged_filter("2026-03"))


@pytest.mark.integration
async def test_projects_in_execution_stored_before_the_month_field_are_backfilled_once(
    database: Database,
) -> None:
    clock = FixedClock(datetime(2026, 2, 9, 2, tzinfo=UTC))
    projects = database[PROJECTS_COLLECTION]
    legacy, current = in_execution_since_march(clock), in_execution_since_march(clock)
    doc = to_document(legacy)
    del doc["first_unflagged_month"]  # as an earlier version stored it
    await projects.insert_one(doc)
    await MongoProjectRepository(database).add(current)
    repo = MongoProjectRepository(database)
    assert await repo.ids_with_unflagged_month_before("2026-04") == [current.id]

    await backfill_first_unflagged_month(database)  # the hourly check's first step
    assert sorted(await repo.ids_with_unflagged_month_before("2026-04")) == sorted(
        [legacy.id, current.id]
    )
    marker = await database[MIGRATIONS_COLLECTION].find_one(
        {"_id": "projects.first_unflagged_month"}
    )
    assert marker is not None
    assert marker["changed"] == 1
    await backfill_first_unflagged_month(database)  # once: the marker stays as it was
    assert (
        await database[MIGRATIONS_COLLECTION].find_one({"_id": "projects.first_unflagged_month"})
        == marker
    )


@pytest.mark.integration
async def test_a_project_stores_its_lists_as_text_and_reads_nested_ones_stored_before(
    database: Database,
) -> None:
    """FerretDB keeps a type schema beside every nested value: the long lists are stored
    as JSON text. A project stored before that, with nested lists, reads the same, is
    packed once by the background checks, and stays packed at its next change."""
    clock = FixedClock(datetime(2026, 2, 9, 2, tzinfo=UTC))
    projects = database[PROJECTS_COLLECTION]
    repo = MongoProjectRepository(database)
    packed, legacy = in_execution_since_march(clock), in_execution_since_march(clock)
    month = packed.stages[0].month
    packed.report_stage(
        month,
        status=StageStatus.DONE,
        percent=100,
        narrative="完成，附照片",
        attachments=(),
        today=date(2026, 12, 1),
        actor=principal(Role.VILLAGE_SECRETARY).actor,
        now=clock.now(),
    )
    await repo.add(packed)
    stored = await projects.find_one({"_id": packed.id})
    assert stored is not None
    assert all(isinstance(stored[key], str) for key in PACKED)
    assert "完成，附照片" in stored["stages"]  # readable text, not escapes
    read = await repo.get(packed.id)
    assert read is not None
    assert to_document(read) == to_document(packed)

    await projects.insert_one(unpacked(to_document(legacy)))  # as an earlier version stored it
    old = await repo.get(legacy.id)
    assert old is not None
    assert to_document(old) == to_document(legacy)
    # The background checks pack it once; what it reads stays the same.
    await pack_stored_lists(database)
    repacked = await projects.find_one({"_id": legacy.id})
    assert repacked is not None
    assert all(isinstance(repacked[key], str) for key in PACKED)
    assert repacked["version"] == legacy.version
    old = await repo.get(legacy.id)
    assert old is not None
    assert to_document(old) == to_document(legacy)
    marker = await database[MIGRATIONS_COLLECTION].find_one({"_id": "projects.packed_lists"})
    assert marker is not None
    assert marker["changed"] == 1

    version = old.version
    old.submit_weekly_report(
        "2026-W07",
        ("清淤",),
        "本周完成排水沟清淤",
        principal(Role.VILLAGE_SECRETARY).actor,
        clock.now(),
    )
    await repo.save(old, version)
    resaved = await projects.find_one({"_id": legacy.id})
    assert resaved is not None
    assert all(isinstance(resaved[key], str) for key in PACKED)
    again = await repo.get(legacy.id)
    assert again is not None
    assert to_document(again) == to_document(old)


@pytest.mark.integration
async def test_projects_stored_before_region_path_are_backfilled_once_at_start(
    infra: Endpoints, database: Database
) -> None:
    clock = FixedClock(datetime(2026, 1, 5, 2, tzinfo=UTC))
    projects = database[PROJECTS_COLLECTION]
    await projects.create_index([("unit_code", 1), ("year", 1)])  # the index it replaces
    legacy = []
    for unit in (VILLAGE, OTHER_VILLAGE):
        project = Project.declare(
            unit, 2026, declaration(title=unit), principal(Role.CITY_ORG, CITY).actor, clock.now()
        )
        doc = to_document(project)
        del doc[REGION_PATH]  # as an earlier version stored it
        legacy.append(doc)
    await projects.insert_many(legacy)

    async with running_app(infra, database.name) as api:
        assert await titles(api, region=TOWNSHIP) == [VILLAGE]
        assert await titles(api, region=CITY) == sorted([VILLAGE, OTHER_VILLAGE])
    assert "unit_code_1_year_1" not in await projects.index_information()
    marker = await database[MIGRATIONS_COLLECTION].find_one({"_id": "projects.region_path"})
    assert marker is not None
    assert marker["changed"] == 2

    # A second start finds the marker and changes nothing.
    async with running_app(infra, database.name) as api:
        assert await titles(api, region=VILLAGE) == [VILLAGE]
    again = await database[MIGRATIONS_COLLECTION].find_one({"_id": "projects.region_path"})
    assert again == marker
    stored = await projects.find_one({"unit_code": VILLAGE})
    assert stored is not None
    assert stored[REGION_PATH] == region_path(VILLAGE)
