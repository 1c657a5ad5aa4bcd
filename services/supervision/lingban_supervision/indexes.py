"""Indexes for the queries the stores make."""

from __future__ import annotations

from pymongo import ASCENDING

from lingban_kit.runtime import ServiceRuntime
from lingban_supervision.inspections.service import INSPECTIONS_COLLECTION
from lingban_supervision.problems.service import PROBLEMS_COLLECTION
from lingban_supervision.projects.inspectable import INSPECTABLE
from lingban_supervision.visits.service import VISITS_COLLECTION


async def ensure_indexes(runtime: ServiceRuntime) -> None:
    db = runtime.db
    await db[INSPECTIONS_COLLECTION].create_index([("group_id", ASCENDING)])
    await db[INSPECTIONS_COLLECTION].create_index([("open_deadline", ASCENDING)])
    await db[INSPECTIONS_COLLECTION].create_index([("unit_code", ASCENDING)])
    await db[PROBLEMS_COLLECTION].create_index([("unit_code", ASCENDING), ("year", ASCENDING)])
    await db[VISITS_COLLECTION].create_index([("month", ASCENDING), ("unit_code", ASCENDING)])
    await db[INSPECTABLE].create_index([("unit_code", ASCENDING), ("year", ASCENDING)])
