"""Indexes for the queries the stores make, and the start-up backfill of their fields.

On FerretDB a non-unique index is a GIN index over its fields' values that
serves any subset of their equalities; on MongoDB a compound index serves its
leading fields, hence the order (the region first: every list names one).
"""

from __future__ import annotations

import contextlib
from typing import Any

from pymongo import ASCENDING
from pymongo.errors import OperationFailure

from lingban_kit.migrations import run_once
from lingban_kit.mongo import Database
from lingban_kit.outbox import OUTBOX_FIELD, PENDING_FLAG
from lingban_kit.regions import REGION_PATH, region_path
from lingban_kit.runtime import ServiceRuntime
from lingban_supervision.assessment.service import MODEL_CASES_COLLECTION
from lingban_supervision.dispatch.service import DISPATCH_INDEXES
from lingban_supervision.groups.domain import Group
from lingban_supervision.groups.service import GROUPS_COLLECTION
from lingban_supervision.inspections.domain import RECTIFICATION_OPEN, Inspection
from lingban_supervision.inspections.service import INSPECTIONS_COLLECTION
from lingban_supervision.problems.domain import Problem
from lingban_supervision.problems.service import PROBLEMS_COLLECTION
from lingban_supervision.projects.inspectable import INSPECTABLE
from lingban_supervision.stationing.service import ROSTERS_COLLECTION
from lingban_supervision.store import MongoStore
from lingban_supervision.visits.domain import Visit
from lingban_supervision.visits.service import VISITS_COLLECTION

Key = list[tuple[str, int]]

INDEXES: dict[str, list[Key]] = {
    # list: the reader's subtree and the regions above it (groups/service.py `list_criteria`)
    GROUPS_COLLECTION: [
        [(REGION_PATH, ASCENDING), ("year", ASCENDING)],
        [("region_code", ASCENDING), ("year", ASCENDING)],
    ],
    INSPECTIONS_COLLECTION: [
        # the list (`search_criteria`)
        [
            (REGION_PATH, ASCENDING),
            ("year", ASCENDING),
            ("half_month", ASCENDING),
            ("status", ASCENDING),
        ],
        # a group's cadence (`cadence_criteria`), and the list by group
        [("group_id", ASCENDING), ("half_month", ASCENDING)],
        # a draw's disclosure (`pending_criteria`)
        [("sample_id", ASCENDING), ("status", ASCENDING)],
        # the hourly overdue check (`OPEN_RECTIFICATIONS`)
        [(RECTIFICATION_OPEN, ASCENDING)],
    ],
    # the list and counts (`problems.service.search_criteria`), visit figures (`month_criteria`)
    PROBLEMS_COLLECTION: [
        [
            (REGION_PATH, ASCENDING),
            ("year", ASCENDING),
            ("month", ASCENDING),
            ("status", ASCENDING),
        ]
    ],
    VISITS_COLLECTION: [[(REGION_PATH, ASCENDING), ("month", ASCENDING)]],
    # the model-case library (`assessment.service.ModelCaseCommands.search`)
    MODEL_CASES_COLLECTION: [[(REGION_PATH, ASCENDING), ("year", ASCENDING)]],
    # the draw's pool (`pool_filter`)
    INSPECTABLE: [[(REGION_PATH, ASCENDING), ("year", ASCENDING), ("inspectable", ASCENDING)]],
    # dispatch meetings and assigned tasks (`dispatch/service.py`)
    **DISPATCH_INDEXES,
    # the rosters of a region and year (`stationing/service.py` `RosterCommands.list`);
    # stationed months are read by `_id` only
    ROSTERS_COLLECTION: [[(REGION_PATH, ASCENDING), ("year", ASCENDING)]],
}
# Indexes of earlier versions that no query can use any more (a range, a regex).
REPLACED: dict[str, tuple[str, ...]] = {
    INSPECTIONS_COLLECTION: ("group_id_1", "open_deadline_1", "unit_code_1"),
    PROBLEMS_COLLECTION: ("unit_code_1_year_1",),
    VISITS_COLLECTION: ("month_1_unit_code_1",),
    INSPECTABLE: ("unit_code_1_year_1",),
}
# The aggregates whose documents carry `Aggregate.query_fields`.
MODELS: dict[str, type[Any]] = {
    GROUPS_COLLECTION: Group,
    INSPECTIONS_COLLECTION: Inspection,
    PROBLEMS_COLLECTION: Problem,
    VISITS_COLLECTION: Visit,
}
BACKFILL = "supervision.region_path"


async def ensure_indexes(runtime: ServiceRuntime) -> None:
    db = runtime.db
    for collection, names in REPLACED.items():
        for name in names:
            # Never created, or dropped by another replica already: nothing to do.
            with contextlib.suppress(OperationFailure):
                await db[collection].drop_index(name)
    for collection, keys in INDEXES.items():
        for key in keys:
            await db[collection].create_index(key)


async def backfill_query_fields(runtime: ServiceRuntime) -> None:
    """Documents stored before `region_path` / `rectification_open` existed get them (once)."""
    await backfill(runtime.db)


async def backfill(db: Database) -> int | None:
    async def migrate() -> int:
        changed = 0
        for collection, model in MODELS.items():
            store: MongoStore[Any] = MongoStore(db, collection, model)
            # Read them all first: no writes while the (full-read) cursor is open.
            missing = await store.collection.find(
                {REGION_PATH: {"$exists": False}}, {OUTBOX_FIELD: 0, PENDING_FLAG: 0}
            ).to_list(None)
            for doc in missing:
                fields = store.from_document(doc).query_fields()
                # Against the version read: a newer write stored the fields itself.
                result = await store.collection.update_one(
                    {"_id": doc["_id"], "version": doc["version"]}, {"$set": fields}
                )
                changed += result.modified_count
        pool = db[INSPECTABLE]
        unpathed = pool.find({REGION_PATH: {"$exists": False}}, {"unit_code": 1})
        for doc in await unpathed.to_list(None):
            result = await pool.update_one(
                {"_id": doc["_id"], REGION_PATH: {"$exists": False}},
                {"$set": {REGION_PATH: region_path(doc["unit_code"])}},
            )
            changed += result.modified_count
        return changed

    return await run_once(db, BACKFILL, migrate)
