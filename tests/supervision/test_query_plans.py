"""Every query of the supervision service is served by an index, and still finds the right rows.

Each test runs the real code path (HTTP, the periodic check, the start hooks)
and asks the database's `explain` about the very criteria builder it uses.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from devstack.infra import Endpoints
from lingban_contracts.divisions import default_tree
from lingban_contracts.events.supervision import (
    GroupLevel,
    GroupMember,
    HouseholdKind,
    ProblemChannel,
    ProblemLevel,
    ProblemSource,
)
from lingban_contracts.regions import in_subtree
from lingban_kit.auth import Role
from lingban_kit.explain import assert_indexed, explain_find
from lingban_kit.migrations import MIGRATIONS_COLLECTION
from lingban_kit.mongo import Database, Document
from lingban_kit.regions import REGION_PATH, region_path, within
from lingban_supervision.groups.domain import Composition, Group
from lingban_supervision.groups.service import GROUPS_COLLECTION, list_criteria
from lingban_supervision.indexes import BACKFILL, REPLACED
from lingban_supervision.inspections.domain import RECTIFICATION_OPEN, Inspection
from lingban_supervision.inspections.service import (
    INSPECTIONS_COLLECTION,
    OPEN_RECTIFICATIONS,
    cadence_criteria,
    search_criteria,
)
from lingban_supervision.problems.domain import Facts, Problem
from lingban_supervision.problems.service import PROBLEMS_COLLECTION, CountRow
from lingban_supervision.problems.service import search_criteria as problem_criteria
from lingban_supervision.projects.inspectable import INSPECTABLE, pool_filter
from lingban_supervision.sampling.service import pending_criteria
from lingban_supervision.store import Criteria, MongoStore
from lingban_supervision.visits.domain import Visit, VisitRow
from lingban_supervision.visits.service import VISITS_COLLECTION, month_criteria
from tests.auth import auth

from .builders import (
    ACTOR,
    CITY,
    NOW,
    OTHER_TOWNSHIP,
    OTHER_VILLAGE,
    TOWNSHIP,
    VERIFIER,
    VILLAGE,
    VILLAGE_2,
    checklist,
    failed,
    planned,
)
from .conftest import PublishProject, SupervisionApi, running_app
from .fakes import FakeStore

CITY_ORG = auth(Role.CITY_ORG, CITY)
SUPERVISOR = auth(Role.SUPERVISOR, CITY)
TOWNSHIP_SEC = auth(Role.TOWNSHIP_SECRETARY, TOWNSHIP)
MEMBERS = [{"name": "王组长", "department": "组织部", "leader": True}]
LEVELS = (CITY, TOWNSHIP, VILLAGE)


# ---- pure: the stored fields ----------------------------------------------------------
def test_region_path_selects_exactly_the_subtree_at_every_level() -> None:
    """`{region_path: R}` matches the same units as the old `^prefix(R)` regex did."""
    units = [u.code for u in default_tree()]
    regions = [*units, "340000000000", "340800000000", "340882000000", "350881100000"]
    for unit in units:
        path = region_path(unit)
        for region in regions:
            assert (within(region)[REGION_PATH] in path) == in_subtree(unit, region), (unit, region)


def test_the_open_flag_follows_the_rectification_in_every_write() -> None:
    store: FakeStore[Inspection] = FakeStore(Inspection)

    def stored(inspection: Inspection) -> Document:
        return store.to_document(inspection)

    inspection = planned()
    assert stored(inspection)[RECTIFICATION_OPEN] is False
    inspection = failed()
    assert stored(inspection)[RECTIFICATION_OPEN] is True
    assert stored(inspection)[REGION_PATH] == region_path(VILLAGE)
    inspection.submit_rectification(
        measures=["补齐台账"],
        narrative="已整改",
        photos=[],
        today=date(2026, 3, 20),
        actor=ACTOR,
        now=NOW,
    )
    assert stored(inspection)[RECTIFICATION_OPEN] is False
    inspection.reopen_rectification(
        reasons=["不到位"],
        new_deadline=date(2026, 4, 10),
        today=date(2026, 3, 21),
        actor=ACTOR,
        now=NOW,
    )
    assert stored(inspection)[RECTIFICATION_OPEN] is True
    inspection.submit_rectification(
        measures=["再整改"],
        narrative="已完成",
        photos=[],
        today=date(2026, 4, 1),
        actor=ACTOR,
        now=NOW,
    )
    inspection.verify_rectification(comment=None, today=date(2026, 4, 2), actor=VERIFIER, now=NOW)
    assert stored(inspection)[RECTIFICATION_OPEN] is False
    # The derived fields never reach the aggregate read back.
    inspection.pending_events.clear()
    assert store.from_document(stored(inspection)) == inspection


# ---- HTTP lists --------------------------------------------------------------------------
async def _group(api: SupervisionApi, region: str, covered: list[str], who: dict[str, str]) -> Any:
    body = {
        "region_code": region,
        "year": 2026,
        "name": f"{region} 督导组",
        "members": MEMBERS,
        "covered_units": covered,
    }
    return await api.call("POST", "/v1/groups", who, body, 201)


async def _plan(api: SupervisionApi, group: Any, unit: str, on: str, who: dict[str, str]) -> Any:
    body = {"group_id": group["id"], "planned_on": on, "method": "on_site", "unit_code": unit}
    return await api.call("POST", "/v1/inspections", who, body, 201)


async def _ids(api: SupervisionApi, url: str, who: dict[str, str]) -> set[str]:
    return {row["id"] for row in await api.call("GET", url, who)}


@pytest.mark.integration
async def test_inspection_and_group_lists_are_indexed_and_right(api: SupervisionApi) -> None:
    city_group = await _group(api, CITY, [TOWNSHIP, OTHER_TOWNSHIP], CITY_ORG)
    township_group = await _group(api, TOWNSHIP, [VILLAGE, VILLAGE_2], TOWNSHIP_SEC)
    other_group = await _group(
        api, OTHER_TOWNSHIP, [OTHER_VILLAGE], auth(Role.TOWNSHIP_SECRETARY, OTHER_TOWNSHIP)
    )
    staff = auth(Role.TOWNSHIP_STAFF, TOWNSHIP)
    by_city = await _plan(api, city_group, VILLAGE, "2026-03-05", SUPERVISOR)
    by_township = await _plan(api, township_group, VILLAGE_2, "2026-03-20", staff)
    elsewhere = await _plan(api, city_group, OTHER_VILLAGE, "2026-03-06", SUPERVISOR)

    assert await _ids(api, "/v1/inspections", SUPERVISOR) == {
        by_city["id"],
        by_township["id"],
        elsewhere["id"],
    }
    # The township sees the city group's inspection of its village and its own group's.
    assert await _ids(api, "/v1/inspections", staff) == {by_city["id"], by_township["id"]}
    village = auth(Role.VILLAGE_SECRETARY, VILLAGE)
    assert await _ids(api, "/v1/inspections", village) == {by_city["id"]}
    assert await _ids(api, "/v1/inspections?half_month=2026-03-H2", SUPERVISOR) == {
        by_township["id"]
    }
    assert await _ids(api, f"/v1/inspections?group_id={city_group['id']}", staff) == {by_city["id"]}
    cadence = await api.call(
        "GET", f"/v1/groups/{city_group['id']}/cadence?month=2026-03", SUPERVISOR
    )
    assert [h["planned"] for h in cadence["half_months"]] == [2, 0]

    # Groups: the reader's subtree and the levels above it, never a sibling township's.
    assert await _ids(api, "/v1/groups?year=2026", staff) == {
        city_group["id"],
        township_group["id"],
    }
    assert await _ids(api, "/v1/groups", village) == {city_group["id"], township_group["id"]}
    assert await _ids(api, "/v1/groups", CITY_ORG) == {
        city_group["id"],
        township_group["id"],
        other_group["id"],
    }
    assert await _ids(api, "/v1/groups?year=2025", CITY_ORG) == set()

    inspections = api.db[INSPECTIONS_COLLECTION]
    assert not (await explain_find(inspections, {"unit_code": {"$regex": "^340881100"}})).indexed
    for region in LEVELS:
        await assert_indexed(inspections, search_criteria(region).to_query())
        await assert_indexed(
            inspections,
            search_criteria(
                region, group_id="g", year=2026, half_month="2026-03-H1", status="planned"
            ).to_query(),
        )
        for criteria in list_criteria(region, 2026) + list_criteria(region, None):
            await assert_indexed(api.db[GROUPS_COLLECTION], criteria.to_query())
    for criteria in cadence_criteria(city_group["id"], "2026-03"):
        await assert_indexed(inspections, criteria.to_query())
    await assert_indexed(inspections, pending_criteria("a-sample").to_query())


@pytest.mark.integration
async def test_problem_visit_and_pool_queries_are_indexed_and_right(
    api: SupervisionApi, publish_project: PublishProject
) -> None:
    api.at(3, 25)
    staff = auth(Role.TOWNSHIP_STAFF, TOWNSHIP)
    visit = {
        "unit_code": VILLAGE,
        "visited_on": "2026-03-24",
        "visitor": "镇干部",
        "visitor_role": "leader",
        "households": [{"kind": "petitioner"}],
        "opinions": [{"description": "路灯不亮", "category": "民生服务"}],
    }
    logged = await api.call("POST", "/v1/visits", staff, visit, 201)
    problem = {
        "unit_code": OTHER_VILLAGE,
        "year": 2026,
        "source": "superior",
        "channel": "inspection",
        "category": "作风建设",
        "level": "individual",
        "description": "台账不全",
    }
    other = await api.call("POST", "/v1/problems", CITY_ORG, problem, 201)

    async def visit_problem_registered() -> bool:
        rows = await api.call("GET", f"/v1/problems?region={TOWNSHIP}", staff)
        return [r["id"] for r in rows] == list(logged["problem_ids"])

    await api.eventually(visit_problem_registered, "the visit's opinion in the problem list")
    everyone = await _ids(api, f"/v1/problems?region={CITY}&year=2026&month=2026-03", CITY_ORG)
    assert everyone == {*logged["problem_ids"], other["id"]}
    counts = await api.call("GET", f"/v1/problems/counts?region={CITY}&year=2026", CITY_ORG)
    assert counts["total"] == 2
    figures = await api.call("GET", f"/v1/visits/figures?region={TOWNSHIP}&month=2026-03", staff)
    assert (figures[0]["units_visited"], figures[0]["problems_raised"]) == (1, 1)

    in_pool = await publish_project(VILLAGE, "小区治理")
    elsewhere = await publish_project(OTHER_VILLAGE, "小区治理")

    async def pooled() -> bool:
        rows = await api.call("GET", f"/v1/inspectable-projects?year=2026&region={CITY}", CITY_ORG)
        return {r["project_id"] for r in rows} == {in_pool, elsewhere}

    await api.eventually(pooled, "the projects in the inspectable pool")
    rows = await api.call("GET", f"/v1/inspectable-projects?year=2026&region={TOWNSHIP}", staff)
    assert [r["project_id"] for r in rows] == [in_pool]

    for region in LEVELS:
        await assert_indexed(api.db[PROBLEMS_COLLECTION], problem_criteria(region).to_query())
        await assert_indexed(
            api.db[PROBLEMS_COLLECTION],
            problem_criteria(region, year=2026, month="2026-03", status="open").to_query(),
        )
        await assert_indexed(
            api.db[PROBLEMS_COLLECTION], month_criteria(region, "2026-03").to_query()
        )
        await assert_indexed(
            api.db[VISITS_COLLECTION], month_criteria(region, "2026-03").to_query()
        )
        await assert_indexed(api.db[INSPECTABLE], pool_filter(region, 2026))

    # Counts and figures read a few fields per record, not whole aggregates (LB-23).
    problems: MongoStore[Problem] = MongoStore(api.db, PROBLEMS_COLLECTION, Problem)
    rows = await problems.fields(problem_criteria(CITY, year=2026), CountRow.FIELDS)
    assert len(rows) == 2
    assert all(set(r) == {"_id", "facts", "status"} for r in rows)
    assert all(set(r["facts"]) == {"category", "level", "source", "channel"} for r in rows)
    visits: MongoStore[Visit] = MongoStore(api.db, VISITS_COLLECTION, Visit)
    [row] = await visits.fields(month_criteria(TOWNSHIP, "2026-03"), VisitRow.FIELDS)
    assert set(row) == {"_id", *VisitRow.FIELDS}
    assert VisitRow.of(row).household_kinds == (HouseholdKind.PETITIONER,)


# ---- the hourly overdue check ------------------------------------------------------------
async def _insert(db: Database, collection: str, docs: list[Document]) -> None:
    await db[collection].insert_many(docs)


def _failing(inspection_id: str, deadline_days: int) -> Inspection:
    """A failed inspection (inspected 2026-03-10) with its rectification open."""
    inspection = planned()
    inspection.id = inspection_id
    inspection.record_result(
        inspected_on=date(2026, 3, 10),
        checklist=checklist(25, 20),
        team_absent=False,
        findings=[],
        photos=[],
        pass_mark=60,
        rectification_days=deadline_days,
        actor=ACTOR,
        now=NOW,
    )
    inspection.pending_events.clear()
    return inspection


@pytest.mark.integration
async def test_the_overdue_check_reads_open_rectifications_by_index_and_without_a_cap(
    api: SupervisionApi,
) -> None:
    store: FakeStore[Inspection] = FakeStore(Inspection)  # for its to_document only
    # More open rectifications than the 1000 rows the check used to stop at; the
    # overdue ones sort last by id, so a cap would drop them. (Few are overdue: each
    # flag is an event on the shared topic.)
    not_due = [_failing(f"a-{n:04d}", deadline_days=60) for n in range(1005)]
    overdue = [_failing(f"z-{n}", deadline_days=15) for n in range(3)]
    submitted = _failing("z-submitted", deadline_days=15)
    submitted.submit_rectification(
        measures=["补齐"],
        narrative="已整改",
        photos=[],
        today=date(2026, 3, 20),
        actor=ACTOR,
        now=NOW,
    )
    submitted.pending_events.clear()
    passed = planned()
    passed.id = "z-passed"
    passed.record_result(
        inspected_on=date(2026, 3, 10),
        checklist=checklist(5),
        team_absent=False,
        findings=[],
        photos=[],
        pass_mark=60,
        rectification_days=15,
        actor=ACTOR,
        now=NOW,
    )
    passed.pending_events.clear()
    everything = [*not_due, *overdue, submitted, passed]
    await _insert(api.db, INSPECTIONS_COLLECTION, [store.to_document(i) for i in everything])

    api.at(4, 1)  # past the 15-day deadlines (2026-03-25), before the 60-day ones
    result = await api.call("POST", "/v1/operations/checks", CITY_ORG)
    # The service's own hourly loop may have run at the same moment and flagged some.
    assert set(result["rectifications_overdue"]) <= {"z-0-r", "z-1-r", "z-2-r"}
    flagged: dict[str, int] = {}
    async for doc in api.db[INSPECTIONS_COLLECTION].find({}):
        stored = store.from_document(doc)
        flagged[stored.id] = sum(
            1 for h in stored.history if h.event_type.endswith("rectification-overdue.v1")
        )
    # Every open one past its deadline is flagged exactly once; nothing else is.
    assert {i for i, n in flagged.items() if n} == {"z-0", "z-1", "z-2"}
    assert set(flagged.values()) == {0, 1}
    again = await api.call("POST", "/v1/operations/checks", CITY_ORG)
    assert again["rectifications_overdue"] == []

    await assert_indexed(api.db[INSPECTIONS_COLLECTION], OPEN_RECTIFICATIONS.to_query())
    range_query = {"open_deadline": {"$lt": "2026-04-01"}}  # the query it replaces
    assert not (await explain_find(api.db[INSPECTIONS_COLLECTION], range_query)).indexed


# ---- documents written before the fields existed -------------------------------------------
# The indexes of the previous version, which `REPLACED` names.
OLD_INDEXES = [
    (INSPECTIONS_COLLECTION, [("group_id", 1)]),
    (INSPECTIONS_COLLECTION, [("open_deadline", 1)]),
    (INSPECTIONS_COLLECTION, [("unit_code", 1)]),
    (PROBLEMS_COLLECTION, [("unit_code", 1), ("year", 1)]),
    (VISITS_COLLECTION, [("month", 1), ("unit_code", 1)]),
    (INSPECTABLE, [("unit_code", 1), ("year", 1)]),
]


def _legacy(doc: Document, *fields: str) -> Document:
    """The document as an earlier version stored it: without the derived query fields."""
    return {k: v for k, v in doc.items() if k not in fields}


@pytest.mark.integration
async def test_documents_stored_before_the_query_fields_are_backfilled_once_at_start(
    infra: Endpoints, database: Database
) -> None:
    groups: FakeStore[Group] = FakeStore(Group)
    inspections: FakeStore[Inspection] = FakeStore(Inspection)
    problems: FakeStore[Problem] = FakeStore(Problem)
    group = Group.form(
        region_code=TOWNSHIP,
        level=GroupLevel.TOWNSHIP,
        year=2026,
        composition=Composition(
            name="镇组",
            members=(GroupMember(name="王组长", department="组织部", leader=True),),
            covered_units=(VILLAGE,),
        ),
        actor=ACTOR,
        now=NOW,
    )
    overdue = failed()
    problem = Problem.register(
        problem_id="legacy-problem",
        facts=Facts(
            unit_code=VILLAGE,
            township_code=TOWNSHIP,
            project_id=None,
            year=2026,
            source=ProblemSource.RESIDENTS,
            channel=ProblemChannel.FORUM,
            category="民生服务",
            level=ProblemLevel.ORGANISATION,
            description="路灯",
        ),
        measures=[],
        categories=(),
        today=date(2026, 3, 10),
        actor=ACTOR,
        now=NOW,
    )
    await _insert(database, GROUPS_COLLECTION, [_legacy(groups.to_document(group), REGION_PATH)])
    await _insert(
        database,
        INSPECTIONS_COLLECTION,
        [_legacy(inspections.to_document(overdue), REGION_PATH, RECTIFICATION_OPEN)],
    )
    await _insert(
        database, PROBLEMS_COLLECTION, [_legacy(problems.to_document(problem), REGION_PATH)]
    )
    await _insert(
        database,
        INSPECTABLE,
        [
            {
                "_id": "legacy-project",
                "unit_code": VILLAGE,
                "year": 2026,
                "inspectable": True,
                "version": 6,
            }
        ],
    )
    for collection, keys in OLD_INDEXES:
        await database[collection].create_index(keys)

    async with running_app(infra, database.name) as api:
        staff = auth(Role.TOWNSHIP_STAFF, TOWNSHIP)
        assert await _ids(api, "/v1/groups", staff) == {group.id}
        assert await _ids(api, "/v1/inspections", staff) == {overdue.id}
        assert await _ids(api, f"/v1/problems?region={TOWNSHIP}", staff) == {problem.id}
        pool = await api.call("GET", f"/v1/inspectable-projects?year=2026&region={TOWNSHIP}", staff)
        assert [p["project_id"] for p in pool] == ["legacy-project"]
        api.at(4, 1)
        result = await api.call("POST", "/v1/operations/checks", CITY_ORG)
        assert result["rectifications_overdue"] == [f"{overdue.id}-r"]
    for collection, names in REPLACED.items():
        assert not set(names) & set(await database[collection].index_information())
    marker = await database[MIGRATIONS_COLLECTION].find_one({"_id": BACKFILL})
    assert marker is not None
    assert marker["changed"] == 4

    # A second start finds the marker and changes nothing.
    async with running_app(infra, database.name) as api:
        assert await _ids(api, "/v1/groups", CITY_ORG) == {group.id}
    assert await database[MIGRATIONS_COLLECTION].find_one({"_id": BACKFILL}) == marker


def test_criteria_are_equalities_only() -> None:
    """Nothing the store sends can be a `$regex`, `$in` or range FerretDB would not push down."""
    criteria = search_criteria(TOWNSHIP, year=2026, status="failed")
    assert criteria.to_query() == {"year": 2026, "status": "failed", REGION_PATH: TOWNSHIP}
    assert Criteria(within=VILLAGE).matches({REGION_PATH: region_path(VILLAGE)})
    assert not Criteria(within=OTHER_TOWNSHIP).matches({REGION_PATH: region_path(VILLAGE)})
