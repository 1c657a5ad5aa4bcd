"""All project queries live here; state and its events are written in one update."""

from __future__ import annotations

import abc
from datetime import date, datetime
from typing import Any

from pymongo import ASCENDING
from pymongo.errors import DuplicateKeyError

from lingban_contracts import Actor
from lingban_contracts.events.projects import StageTask
from lingban_contracts.regions import region_prefix
from lingban_kit.errors import Conflict
from lingban_kit.mongo import Collection, Database, Document
from lingban_kit.outbox import OUTBOX_FIELD, push_events
from lingban_kit.runtime import ServiceRuntime
from lingban_projects.projects.domain import Declaration, Project, ProjectStatus

PROJECTS_COLLECTION = "projects"


class ProjectRepository(abc.ABC):
    """The port the use cases talk to."""

    @abc.abstractmethod
    async def add(self, project: Project) -> None: ...

    @abc.abstractmethod
    async def get(self, project_id: str) -> Project | None: ...

    @abc.abstractmethod
    async def list(
        self, *, region_code: str, year: int | None, limit: int, offset: int
    ) -> list[Project]: ...


async def ensure_indexes(runtime: ServiceRuntime) -> None:
    coll = runtime.db[PROJECTS_COLLECTION]
    await coll.create_index([("unit_code", ASCENDING), ("year", ASCENDING)])


def _to_document(project: Project) -> Document:
    d = project.declaration
    return {
        "_id": project.id,
        "unit_code": d.unit_code,
        "year": d.year,
        "title": d.title,
        "category": d.category,
        "problem": d.problem,
        "expected_goals": d.expected_goals,
        "evaluation_criteria": d.evaluation_criteria,
        "lead_secretary": d.lead_secretary,
        "task_force": list(d.task_force),
        "deadline": d.deadline.isoformat(),
        "stage_tasks": [s.model_dump() for s in d.stage_tasks],
        "status": project.status.value,
        "version": project.version,
        "declared_at": project.declared_at,
        "declared_by": project.declared_by.model_dump(),
    }


def _from_document(doc: Document) -> Project:
    declaration = Declaration(
        unit_code=doc["unit_code"],
        year=doc["year"],
        title=doc["title"],
        category=doc["category"],
        problem=doc["problem"],
        expected_goals=doc["expected_goals"],
        evaluation_criteria=doc["evaluation_criteria"],
        lead_secretary=doc["lead_secretary"],
        task_force=tuple(doc["task_force"]),
        deadline=date.fromisoformat(doc["deadline"]),
        stage_tasks=tuple(StageTask.model_validate(s) for s in doc["stage_tasks"]),
    )
    declared_at: datetime = doc["declared_at"]
    return Project(
        id=doc["_id"],
        declaration=declaration,
        status=ProjectStatus(doc["status"]),
        version=doc["version"],
        declared_at=declared_at,
        declared_by=Actor.model_validate(doc["declared_by"]),
    )


class MongoProjectRepository(ProjectRepository):
    def __init__(self, db: Database) -> None:
        self.collection: Collection = db[PROJECTS_COLLECTION]

    async def add(self, project: Project) -> None:
        doc = _to_document(project)
        doc[OUTBOX_FIELD] = push_events(project.pending_events)[OUTBOX_FIELD]["$each"]
        try:
            await self.collection.insert_one(doc)
        except DuplicateKeyError:
            raise Conflict(message="项目已存在", message_en="The project already exists") from None
        project.pending_events.clear()

    async def get(self, project_id: str) -> Project | None:
        doc = await self.collection.find_one({"_id": project_id}, {OUTBOX_FIELD: 0})
        return _from_document(doc) if doc else None

    async def list(
        self, *, region_code: str, year: int | None, limit: int, offset: int
    ) -> list[Project]:
        query: dict[str, Any] = {"unit_code": {"$regex": f"^{region_prefix(region_code)}"}}
        if year is not None:
            query["year"] = year
        cursor = (
            self.collection.find(query, {OUTBOX_FIELD: 0})
            .sort([("declared_at", ASCENDING), ("_id", ASCENDING)])
            .skip(offset)
            .limit(limit)
        )
        return [_from_document(d) async for d in cursor]
