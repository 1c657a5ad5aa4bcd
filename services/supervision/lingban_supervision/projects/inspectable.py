"""Project events -> `inspectable_projects`, the pool random samples are drawn from.

A project is *inspectable* — in the pool random samples are drawn from —
while it is in execution (including while its completion awaits acceptance);
accepted and evaluated projects leave the pool. A project is *supervisable*
— an inspection may be planned for it by name — from its declaration to its
results (督导贯穿申报到成效): the reports supervise the declaration and the
evaluation too, not only the execution. A withdrawn project is neither.
Each handler is idempotent: `apply_if_newer` drops duplicates and stale events.
"""

from __future__ import annotations

import abc
from typing import Any

from lingban_contracts import Envelope
from lingban_contracts.events import projects as pev
from lingban_contracts.events.supervision import PooledProject
from lingban_contracts.registry import event_type
from lingban_kit.consumer import Handler, HandlerTable
from lingban_kit.mongo import Collection, Database, Document, apply_if_newer
from lingban_kit.regions import REGION_PATH, region_path, within

INSPECTABLE = "inspectable_projects"


def pool_filter(region_code: str, year: int) -> Document:
    """Inspectable projects of a year in a region subtree (indexed equalities only)."""
    return {**within(region_code), "year": year, "inspectable": True}


def _township(unit_code: str) -> str | None:
    """The township of a village or a township itself (codes: county 6, township 3, village 3)."""
    if unit_code[6:9] == "000":
        return None  # the city (county) itself
    return unit_code[:9] + "000"


def project_handlers(db: Database) -> HandlerTable:
    pool = db[INSPECTABLE]

    def handler(model: type[pev.ProjectEvent], extra: Any) -> tuple[str, Handler]:
        """The model's event type (never spelled as a string here) and its handler."""

        async def handle(event: Envelope) -> None:
            data = model.model_validate(event.data)
            fields: Document = {
                "unit_code": data.unit_code,
                "township_code": _township(data.unit_code),
                REGION_PATH: region_path(data.unit_code),
                "year": data.year,
            }
            fields.update(extra(data))
            await apply_if_newer(pool, data.project_id, event.aggregate_version, {"$set": fields})

        return event_type(model), handle

    def declared(d: Any) -> Document:
        return {
            "category": d.category,
            "title": d.title,
            "stage": "declared",
            "inspectable": False,
            "supervisable": True,
        }

    def revised(d: Any) -> Document:
        return {"category": d.form.category, "title": d.form.title}

    def stage(name: str, inspectable: bool, supervisable: bool = True) -> Any:
        return lambda d: {"stage": name, "inspectable": inspectable, "supervisable": supervisable}

    def evaluated(d: Any) -> Document:
        return {
            "stage": "evaluated",
            "inspectable": False,
            "supervisable": True,
            "rating": d.rating.value,
        }

    handlers = (
        handler(pev.ProjectDeclared, declared),
        handler(pev.ProjectRevised, revised),
        handler(pev.ProjectExecutionStarted, stage("in_execution", True)),
        handler(pev.CompletionRequested, stage("completion_requested", True)),
        handler(pev.CompletionRejected, stage("in_execution", True)),
        handler(pev.CompletionAccepted, stage("completed", False)),
        handler(pev.ProjectWithdrawn, stage("withdrawn", False, supervisable=False)),
        # 村并村: the project is the successor's now (unit, township and region path
        # above follow `unit_code`); its stage is unchanged.
        handler(pev.ProjectUnitTransferred, lambda d: {}),
        # The rating feeds the year-end assessment (assessment/facts.py).
        handler(pev.ProjectEvaluated, evaluated),
    )
    return dict(handlers)


class InspectableProjects(abc.ABC):
    """The port: which projects may be inspected now."""

    @abc.abstractmethod
    async def get(self, project_id: str) -> PooledProject | None:
        """The project if it may be inspected now (declared, not withdrawn nor unknown)."""

    @abc.abstractmethod
    async def unit_of(self, project_id: str) -> str | None:
        """The unit of any known project (declared or later), None if unknown."""

    @abc.abstractmethod
    async def pool(self, covered_units: list[str], year: int) -> list[PooledProject]:
        """Inspectable projects of that year in the subtrees of the covered units."""


def _pooled(doc: Document) -> PooledProject:
    return PooledProject(
        project_id=doc["_id"],
        unit_code=doc["unit_code"],
        township_code=doc.get("township_code"),
        category=doc.get("category") or "未分类",
    )


class MongoInspectableProjects(InspectableProjects):
    def __init__(self, db: Database) -> None:
        self.collection: Collection = db[INSPECTABLE]

    async def get(self, project_id: str) -> PooledProject | None:
        doc = await self.collection.find_one({"_id": project_id})
        # Documents from before `supervisable` existed: whatever was inspectable is.
        if doc is None or not doc.get("supervisable", doc.get("inspectable", False)):
            return None
        return _pooled(doc)

    async def unit_of(self, project_id: str) -> str | None:
        doc = await self.collection.find_one({"_id": project_id}, {"unit_code": 1})
        return str(doc["unit_code"]) if doc else None

    async def pool(self, covered_units: list[str], year: int) -> list[PooledProject]:
        found: dict[str, PooledProject] = {}
        for unit in covered_units:
            async for doc in self.collection.find(pool_filter(unit, year)):
                found[doc["_id"]] = _pooled(doc)
        return sorted(found.values(), key=lambda p: p.project_id)
