"""All project queries live here; state and its events are written in one update.

The aggregate is stored whole as one document (a year of reports stays far
below MongoDB's document limit), its long lists packed as JSON text (`PACKED`).
Updates are conditional on the version that was read, so two concurrent edits
cannot both win: the loser gets a 409.

Every query is a top-level AND of equalities that one index serves, because
FerretDB on PostgreSQL pushes little else down (`$regex`, `$in` and ranges
other than on dates run in Go over every row the equalities select; a limit
without a sort stops reading there, patch 0005; a sorted page of equalities is
sorted by PostgreSQL, patch 0007). The filter builders are module functions so
tests can ask `explain` about the very filters the repository runs.
"""

from __future__ import annotations

import abc
import contextlib
import dataclasses
import json
from collections.abc import Callable
from dataclasses import dataclass

from pydantic import TypeAdapter
from pymongo import ASCENDING
from pymongo.errors import OperationFailure

from lingban_kit.errors import Conflict
from lingban_kit.idempotency import IDEMPOTENCY_FIELD, insert_new
from lingban_kit.migrations import run_once
from lingban_kit.mongo import Collection, Database, Document
from lingban_kit.outbox import OUTBOX_FIELD, PENDING_FLAG, outbox_fields, update_with_events
from lingban_kit.regions import REGION_PATH, region_path, within
from lingban_kit.runtime import ServiceRuntime
from lingban_projects.projects.domain import Project, Status

PROJECTS_COLLECTION = "projects"
_ADAPTER = TypeAdapter(Project)
_TRANSIENT = {"pending_events", "correlation_id"}
# Stored only for queries; the aggregate itself holds the same facts.
_DERIVED = {"title", "category", REGION_PATH, "first_unflagged_month"}
# Stored as one JSON string each, not as nested documents. FerretDB keeps a type schema
# beside every nested value and decodes and re-encodes all of it on every read and write:
# a project a year into execution held 14.5 KB of schema for 8 KB of data, mostly in
# these lists. No query looks inside them (what the queries need is denormalised beside
# them), and documents stored before this, with the lists nested, read the same.
PACKED = (
    "stages",
    "history",
    "revisions",
    "reviews",
    "weekly_reports",
    "completion_decisions",
    "objections",
    "change_requests",
)
# `Project.first_unflagged_month`: the hourly check asks for each month that is over.
UNFLAGGED_INDEX = [("first_unflagged_month", ASCENDING)]
# How far back the hourly check looks for unflagged stage months: a project still in
# execution with an unreported month older than this is left alone (and listed nowhere new).
UNFLAGGED_YEARS_BACK = 10
# The list, coverage and status queries: any subset of these fields' equalities
# is served by this one index on FerretDB (GIN); on MongoDB the (status) index
# serves the status-only query of the hourly checks. `unit_code` serves a list's
# "this unit's own projects" (`Where.unit_only`, with the region path first on MongoDB).
SEARCH_INDEX = [
    (REGION_PATH, ASCENDING),
    ("year", ASCENDING),
    ("status", ASCENDING),
    ("category", ASCENDING),
    ("unit_code", ASCENDING),
]
STATUS_INDEX = [("status", ASCENDING)]
# Replaced: (unit_code, year) by the region path; the four-field search index by the
# one above that also serves a unit's own projects.
_OLD_INDEXES = ("unit_code_1_year_1", "region_path_1_year_1_status_1_category_1")


@dataclass(frozen=True)
class Where:
    """What a list selects: a region's subtree (or only the unit `region` itself) and
    optionally one year, status and category."""

    region: str
    year: int | None = None
    status: str | None = None
    category: str | None = None
    unit_only: bool = False

    def within(self, region: str) -> Where:
        return dataclasses.replace(self, region=region, unit_only=False)

    def own(self) -> Where:
        return dataclasses.replace(self, unit_only=True)


class ProjectRepository(abc.ABC):
    """The port the use cases talk to."""

    collection_name = PROJECTS_COLLECTION  # where the relay finds the outbox

    @abc.abstractmethod
    async def add(self, project: Project) -> None: ...

    @abc.abstractmethod
    async def get(self, project_id: str) -> Project | None: ...

    @abc.abstractmethod
    async def save(self, project: Project, expected_version: int) -> None:
        """Store the new state and its pending events if nobody saved since `expected_version`."""

    @abc.abstractmethod
    async def matching(self, where: Where) -> list[Project]:
        """The projects `where` selects, in no particular order."""

    @abc.abstractmethod
    async def count_at_most(self, where: Where, cap: int) -> int:
        """How many projects `where` selects, counting no further than `cap`."""

    @abc.abstractmethod
    async def units_with_projects(self, region_code: str, year: int) -> set[str]: ...

    @abc.abstractmethod
    async def ids_in_status(self, statuses: tuple[Status, ...]) -> list[str]: ...

    @abc.abstractmethod
    async def ids_with_unflagged_month_before(self, month: str) -> list[str]:
        """Projects in execution with a stage month before `month` ("YYYY-MM") that has
        no report and is not flagged overdue yet."""


async def ensure_indexes(runtime: ServiceRuntime) -> None:
    coll = runtime.db[PROJECTS_COLLECTION]
    # The new ones first: a replica still running the old queries keeps an index.
    await coll.create_index(SEARCH_INDEX)
    await coll.create_index(STATUS_INDEX)
    await coll.create_index(UNFLAGGED_INDEX)
    for name in _OLD_INDEXES:
        # Never created, or dropped by another replica already: nothing to do.
        with contextlib.suppress(OperationFailure):
            await coll.drop_index(name)


async def backfill_region_path(runtime: ServiceRuntime) -> None:
    """Give projects stored before `region_path` existed their path (once, idempotent)."""
    coll = runtime.db[PROJECTS_COLLECTION]

    async def migrate() -> int:
        # The ids first: no writes while the (full-read) cursor is open.
        missing = [d async for d in coll.find({REGION_PATH: {"$exists": False}}, {"unit_code": 1})]
        changed = 0
        for doc in missing:
            result = await coll.update_one(
                {"_id": doc["_id"], REGION_PATH: {"$exists": False}},
                {"$set": {REGION_PATH: region_path(doc["unit_code"])}},
            )
            changed += result.modified_count
        return changed

    await run_once(runtime.db, f"{PROJECTS_COLLECTION}.{REGION_PATH}", migrate)


def to_document(project: Project) -> Document:
    doc: Document = _ADAPTER.dump_python(project, mode="json", exclude=_TRANSIENT)
    doc["_id"] = doc.pop("id")
    # Denormalised for queries; the source of truth is the last revision.
    doc["title"] = project.declaration.title
    doc["category"] = project.declaration.category
    doc[REGION_PATH] = region_path(project.unit_code)
    doc["first_unflagged_month"] = project.first_unflagged_month
    for key in PACKED:
        doc[key] = json.dumps(doc[key], ensure_ascii=False, separators=(",", ":"))
    return doc


def unpacked(doc: Document) -> Document:
    """A stored project with its `PACKED` lists as lists again (either way stored)."""
    return {k: json.loads(v) if k in PACKED and isinstance(v, str) else v for k, v in doc.items()}


def months_before(month: str, years_back: int = UNFLAGGED_YEARS_BACK) -> list[str]:
    """Every "YYYY-MM" from January `years_back` years before `month`'s year up to the
    month before it: one indexed equality each (FerretDB pushes no range down)."""
    year, current = int(month[:4]), int(month[5:7])
    return [
        f"{y}-{m:02d}"
        for y in range(year - years_back, year + 1)
        for m in range(1, 13)
        if (y, m) < (year, current)
    ]


def unflagged_filter(month: str) -> Document:
    return {"first_unflagged_month": month}


async def backfill_first_unflagged_month(db: Database) -> None:
    """Give projects in execution stored before the field existed their month (once).

    Run by the hourly check before its first pass, not at start-up: at a province's
    scale it reads every project in execution once, minutes the service should not
    wait for. Each write is conditional on the version read and on the field still
    missing, so a command that changed the project meanwhile (and stored its own
    value) wins. Once only: in a rolling upgrade, a project an older replica takes into
    execution after this ran has no field until its next write by a current one."""
    query = {**status_filter(Status.IN_EXECUTION), "first_unflagged_month": {"$exists": False}}

    async def migrate() -> int:
        return await _rewrite_each(
            db[PROJECTS_COLLECTION],
            query,
            lambda doc: {"first_unflagged_month": from_document(doc).first_unflagged_month},
        )

    await run_once(db, f"{PROJECTS_COLLECTION}.first_unflagged_month", migrate)


async def pack_stored_lists(db: Database) -> None:
    """Store the `PACKED` lists of projects written before as text (once, idempotent).

    Each read and rewritten on its own, only if its version is still the one read and
    it is still nested (a project changed meanwhile was stored packed by that change).
    Slow once at a province's scale (finding them reads every project: a type test is
    not pushed down; then each is read again and written): run by the background
    checks, not at start. A project an older replica stores nested afterwards reads the
    same and is packed at its next change."""

    def packed_lists(doc: Document) -> Document:
        packed = to_document(from_document(doc))
        return {key: packed[key] for key in PACKED}

    async def migrate() -> int:
        return await _rewrite_each(
            db[PROJECTS_COLLECTION], {"stages": {"$type": "array"}}, packed_lists
        )

    await run_once(db, f"{PROJECTS_COLLECTION}.packed_lists", migrate)


async def _rewrite_each(
    coll: Collection, query: Document, fields: Callable[[Document], Document]
) -> int:
    """`$set` `fields(stored project)` on each project matching `query`, one at a time,
    only if its version is still the one read and it still matches; how many changed."""
    # The ids first: no writes while the (full-read) cursor is open.
    ids = [d["_id"] async for d in coll.find(query, {"_id": 1})]
    changed = 0
    for project_id in ids:
        doc = await coll.find_one({"_id": project_id}, {OUTBOX_FIELD: 0, PENDING_FLAG: 0})
        if doc is None:
            continue
        result = await coll.update_one(
            {"_id": project_id, "version": doc["version"], **query}, {"$set": fields(doc)}
        )
        changed += result.modified_count
    return changed


def from_document(doc: Document) -> Project:
    stored_only = ("_id", OUTBOX_FIELD, PENDING_FLAG, IDEMPOTENCY_FIELD, *_DERIVED)
    fields = {k: v for k, v in unpacked(doc).items() if k not in stored_only}
    return _ADAPTER.validate_python({**fields, "id": doc["_id"]})


# ---- the filters the repository runs ------------------------------------------------
def search_filter(
    region_code: str,
    year: int | None = None,
    status: str | None = None,
    category: str | None = None,
) -> Document:
    """Projects of a region subtree, optionally of one year, status and category."""
    query: Document = {**within(region_code)}
    for key, value in (("year", year), ("status", status), ("category", category)):
        if value is not None:
            query[key] = value
    return query


def where_filter(where: Where) -> Document:
    """The filter of `Where`: the region's subtree, or only the unit itself."""
    query = search_filter(where.region, where.year, where.status, where.category)
    if where.unit_only:
        query["unit_code"] = where.region
    return query


def coverage_filter(region_code: str, year: int) -> Document:
    """Projects of a region subtree and year (which units have one)."""
    return search_filter(region_code, year)


def status_filter(status: Status) -> Document:
    """Projects in one status (one query per status: `$in` is not pushed down)."""
    return {"status": status.value}


class MongoProjectRepository(ProjectRepository):
    def __init__(self, db: Database) -> None:
        self.collection: Collection = db[PROJECTS_COLLECTION]

    async def add(self, project: Project) -> None:
        doc = to_document(project) | outbox_fields(project.pending_events)
        # A retry of a keyed declaration raises `Replayed` here (the unit of work answers it).
        if not await insert_new(self.collection, doc):
            raise Conflict(message="项目已存在", message_en="The project already exists")
        project.pending_events.clear()

    async def save(self, project: Project, expected_version: int) -> None:
        if not project.pending_events:
            return
        state = to_document(project)
        state.pop("_id")
        saved = await update_with_events(
            self.collection,
            {"_id": project.id, "version": expected_version},
            {"$set": state},
            project.pending_events,
        )
        if not saved:
            raise Conflict(
                message="项目已被他人修改，请刷新后重试",
                message_en="The project was changed by someone else; reload and retry",
                extra={"expected_version": expected_version},
            )
        project.pending_events.clear()

    async def get(self, project_id: str) -> Project | None:
        doc = await self.collection.find_one(
            {"_id": project_id}, {OUTBOX_FIELD: 0, PENDING_FLAG: 0}
        )
        return from_document(doc) if doc else None

    async def matching(self, where: Where) -> list[Project]:
        cursor = self.collection.find(where_filter(where), {OUTBOX_FIELD: 0, PENDING_FLAG: 0})
        return [from_document(d) async for d in cursor]

    async def count_at_most(self, where: Where, cap: int) -> int:
        # Ids of an unsorted find: the read stops after `cap` rows (patch 0005 on FerretDB,
        # whose `count` would read every match), and only ids travel back.
        cursor = self.collection.find(where_filter(where), {"_id": 1}).limit(cap)
        return len(await cursor.to_list())

    async def units_with_projects(self, region_code: str, year: int) -> set[str]:
        query = coverage_filter(region_code, year)
        return {d["unit_code"] async for d in self.collection.find(query, {"unit_code": 1})}

    async def ids_in_status(self, statuses: tuple[Status, ...]) -> list[str]:
        ids: list[str] = []
        for status in dict.fromkeys(statuses):
            ids += [d["_id"] async for d in self.collection.find(status_filter(status), {"_id": 1})]
        return ids

    async def ids_with_unflagged_month_before(self, month: str) -> list[str]:
        ids: list[str] = []
        for earlier in months_before(month):
            query = unflagged_filter(earlier)
            ids += [d["_id"] async for d in self.collection.find(query, {"_id": 1})]
        return ids
