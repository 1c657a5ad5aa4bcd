"""Generations of read-model collections and the pointer readers follow.

Every read model lives in `<base>_<generation>` (e.g. `rpt_projects_g1`). The
document `{_id: "active_generation"}` in `reporting_meta` names the
generation queries read and the live consumer writes. A rebuild fills a fresh
generation from the beginning of the topics and then moves the pointer in one
single-document write, so readers never see a half-built model.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from lingban_kit.mongo import Collection, Database

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


async def ensure_indexes(models: ReadModels) -> None:
    projects = models.projects
    await projects.create_index([("year", 1), ("unit_code", 1)])
    await projects.create_index([("updated_at", -1)])


async def drop_generation(models: ReadModels) -> None:
    for base in ALL_MODELS:
        await models.collection(base).drop()


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
