"""Generations of read-model collections and the pointer readers follow.

Every read model lives in `<base>_<generation>` (e.g. `rpt_projects_g1`). The
document `{_id: "active_generation"}` in `reporting_meta` names the
generation queries read and the live consumer writes. A rebuild fills a fresh
generation from the beginning of the topics and then moves the pointer in one
single-document write, so readers never see a half-built model.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass

from pymongo.errors import OperationFailure

from lingban_kit.mongo import Collection, Database
from lingban_reporting.read_models.server import server_traits

META = "reporting_meta"
POINTER_ID = "active_generation"
INITIAL_GENERATION = "g1"

# The read models, by concept (base names; the generation is appended).
PROJECTS = "rpt_projects"
INSPECTIONS = "rpt_inspections"
RECTIFICATIONS = "rpt_rectifications"
PROBLEMS = "rpt_problems"
VISITS = "rpt_visits"
NOTIFICATIONS = "rpt_notifications"
ALL_MODELS = (PROJECTS, INSPECTIONS, RECTIFICATIONS, PROBLEMS, VISITS, NOTIFICATIONS)
# Dispatch meetings and assigned tasks: counted when asked, not in the figure book.
DISPATCH_MEETINGS = "rpt_dispatch_meetings"
DISPATCH_TASKS = "rpt_dispatch_tasks"
# Stationed contact (驻点联系): rosters and stationed months, counted when asked.
STATIONING_ROSTERS = "rpt_stationing_rosters"
STATIONED_MONTHS = "rpt_stationed_months"
# The year-end assessments (by `_id`, the city and year) and the model-case library.
ASSESSMENTS = "rpt_assessments"
MODEL_CASES = "rpt_model_cases"
UNCOUNTED_MODELS = (
    DISPATCH_MEETINGS,
    DISPATCH_TASKS,
    STATIONING_ROSTERS,
    STATIONED_MONTHS,
    ASSESSMENTS,
    MODEL_CASES,
)
# The pre-aggregated figures of each (year, unit) and subtree (`figures/book.py`).
FIGURES = "rpt_figures"
GENERATION_COLLECTIONS = (*ALL_MODELS, *UNCOUNTED_MODELS, FIGURES)


@dataclass(frozen=True)
class ReadModels:
    """The collections of one generation."""

    db: Database
    generation: str

    def collection(self, base: str) -> Collection:
        return self.db[f"{base}_{self.generation}"]

    @property
    def projects(self) -> Collection:
        return self.collection(PROJECTS)

    @property
    def inspections(self) -> Collection:
        return self.collection(INSPECTIONS)

    @property
    def rectifications(self) -> Collection:
        return self.collection(RECTIFICATIONS)

    @property
    def problems(self) -> Collection:
        return self.collection(PROBLEMS)

    @property
    def visits(self) -> Collection:
        return self.collection(VISITS)

    @property
    def notifications(self) -> Collection:
        return self.collection(NOTIFICATIONS)

    @property
    def figures(self) -> Collection:
        return self.collection(FIGURES)


async def active_generation(db: Database) -> str:
    doc = await db[META].find_one({"_id": POINTER_ID})
    return str(doc["generation"]) if doc else INITIAL_GENERATION


async def active_models(db: Database) -> ReadModels:
    return ReadModels(db, await active_generation(db))


async def activate(db: Database, generation: str) -> None:
    """Point readers and the live consumer at `generation` (one atomic write)."""
    await db[META].update_one(
        {"_id": POINTER_ID}, {"$set": {"generation": generation}}, upsert=True
    )


def next_generation(current: str) -> str:
    number = int(current.removeprefix("g")) if current.removeprefix("g").isdigit() else 1
    return f"g{number + 1}"


# The indexes of each collection, for every filter the service runs (the
# figures' reloads of one unit-year, `figures/book.py: unit_queries`; the lists'
# region filters, one equality on `region_path` at any level,
# `read_models/regions.py`; the stationing figures by `township_code`; flags:
# status, overdue, recorded), per backend:
# - FerretDB: a non-unique index is a GIN index over its fields' values and
#   serves equality on any subset of them: one per collection (each costs writes).
# - MongoDB: a compound index serves equality on a prefix of its keys: one per
#   filter shape (`region_path` is an array: a multikey index).
Keys = list[tuple[str, int]]
GIN_INDEXES: dict[str, list[Keys]] = {
    PROJECTS: [
        [
            ("year", 1),
            ("unit_code", 1),
            ("region_path", 1),
            ("status", 1),
            ("category", 1),
            ("overdue", 1),
        ]
    ],
    INSPECTIONS: [[("year", 1), ("unit_code", 1), ("recorded", 1)]],
    RECTIFICATIONS: [[("year", 1), ("unit_code", 1), ("region_path", 1), ("status", 1)]],
    # (year, unit_code) is also MongoDB's name: kept, and region_path indexed beside it.
    PROBLEMS: [[("year", 1), ("unit_code", 1)], [("year", 1), ("region_path", 1)]],
    # by township: the stationing figures (`stationing/reads.py`)
    VISITS: [
        [("year", 1), ("unit_code", 1)],
        [("year", 1), ("township_code", 1)],
        [("year", 1), ("region_path", 1)],
    ],
    NOTIFICATIONS: [[("year", 1), ("unit_code", 1)]],
    DISPATCH_MEETINGS: [[("year", 1), ("unit_code", 1), ("region_path", 1)]],
    DISPATCH_TASKS: [[("year", 1), ("unit_code", 1), ("region_path", 1)]],
    STATIONING_ROSTERS: [[("year", 1), ("township_code", 1)]],
    STATIONED_MONTHS: [[("year", 1), ("unit_code", 1), ("township_code", 1)]],
    MODEL_CASES: [[("region_path", 1), ("year", 1)]],
    # by `code`: a moved unit's documents (`figures/book.py: relocate`), rare
    FIGURES: [[("sums_into", 1)], [("code", 1)]],
}
PREFIX_INDEXES: dict[str, list[Keys]] = {
    PROJECTS: [
        [("year", 1), ("unit_code", 1), ("status", 1), ("category", 1), ("overdue", 1)],
        [("year", 1), ("region_path", 1), ("status", 1), ("category", 1), ("overdue", 1)],
        [("year", 1), ("overdue", 1)],
    ],
    INSPECTIONS: [[("year", 1), ("unit_code", 1)], [("year", 1), ("recorded", 1)]],
    RECTIFICATIONS: [
        [("year", 1), ("unit_code", 1)],
        [("year", 1), ("region_path", 1)],
        [("unit_code", 1), ("status", 1)],
        [("status", 1), ("region_path", 1)],
    ],
    PROBLEMS: [[("year", 1), ("unit_code", 1)], [("year", 1), ("region_path", 1)]],
    # by township: the stationing figures (`stationing/reads.py`)
    VISITS: [
        [("year", 1), ("unit_code", 1)],
        [("year", 1), ("region_path", 1)],
        [("year", 1), ("township_code", 1)],
    ],
    NOTIFICATIONS: [[("year", 1), ("unit_code", 1)]],
    DISPATCH_MEETINGS: [[("year", 1), ("unit_code", 1)], [("year", 1), ("region_path", 1)]],
    DISPATCH_TASKS: [[("year", 1), ("unit_code", 1)], [("year", 1), ("region_path", 1)]],
    STATIONING_ROSTERS: [[("year", 1), ("township_code", 1)]],
    STATIONED_MONTHS: [[("year", 1), ("unit_code", 1)], [("year", 1), ("township_code", 1)]],
    MODEL_CASES: [[("region_path", 1), ("year", 1)]],
    FIGURES: [[("sums_into", 1)], [("code", 1)]],
}
# Indexes earlier versions created, now covered by the ones above (each name belongs
# to one backend's list, so dropping it never touches the other backend's indexes).
RETIRED_INDEXES = {
    PROJECTS: (
        "year_1_unit_code_1",
        "updated_at_-1",
        # region filters by township (FerretDB, MongoDB): now by region_path
        "year_1_unit_code_1_township_code_1_status_1_category_1_overdue_1",
        "year_1_township_code_1_status_1_category_1_overdue_1",
    ),
    RECTIFICATIONS: ("year_1_unit_code_1_township_code_1_status_1", "status_1_township_code_1"),
    DISPATCH_MEETINGS: ("year_1_unit_code_1_township_code_1", "year_1_township_code_1"),
    DISPATCH_TASKS: ("year_1_unit_code_1_township_code_1", "year_1_township_code_1"),
}


async def ensure_indexes(models: ReadModels) -> None:
    ferretdb = (await server_traits(models.projects)).ferretdb
    for base, indexes in (GIN_INDEXES if ferretdb else PREFIX_INDEXES).items():
        collection = models.collection(base)
        for name in RETIRED_INDEXES.get(base, ()):
            with contextlib.suppress(OperationFailure):  # not there (any more)
                await collection.drop_index(name)
        for keys in indexes:
            await collection.create_index(keys)


async def drop_generation(models: ReadModels) -> None:
    for base in GENERATION_COLLECTIONS:
        await models.collection(base).drop()
    await models.db[META].delete_one({"_id": figures_marker(models.generation)})


def figures_marker(generation: str) -> str:
    return f"figures_{generation}"


async def figures_built(models: ReadModels) -> bool:
    """Whether the generation's figure documents exist (kept from its first event on)."""
    return await models.db[META].find_one({"_id": figures_marker(models.generation)}) is not None


async def mark_figures_built(models: ReadModels) -> None:
    await models.db[META].update_one(
        {"_id": figures_marker(models.generation)}, {"$set": {"built": True}}, upsert=True
    )


class PointerCache:
    """The live consumer re-reads the pointer at most every `ttl` seconds.

    A rebuild waits longer than `ttl` after the swap before its final catch-up,
    so whatever the consumer wrote to the old generation meanwhile is replayed
    into the new one (projections are idempotent, so overlap is harmless).
    """

    DEFAULT_TTL = 2.0

    def __init__(self, db: Database, ttl: float = DEFAULT_TTL) -> None:
        self.db = db
        self.ttl = ttl
        self._value: ReadModels | None = None
        self._read_at = 0.0

    async def get(self) -> ReadModels:
        now = time.monotonic()
        if self._value is None or now - self._read_at > self.ttl:
            self._value = await active_models(self.db)
            self._read_at = now
        return self._value
