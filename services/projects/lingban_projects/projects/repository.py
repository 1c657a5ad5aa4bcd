"""All project queries live here; state and its events are written in one update.

The aggregate is stored whole as one document (a year of reports stays far
below MongoDB's document limit). Updates are conditional on the version that
was read, so two concurrent edits cannot both win: the loser gets a 409.
"""

from __future__ import annotations

import abc
from typing import Any

from pydantic import TypeAdapter
from pymongo import ASCENDING
from pymongo.errors import DuplicateKeyError

from lingban_contracts.regions import region_prefix
from lingban_kit.errors import Conflict
from lingban_kit.mongo import Collection, Database, Document
from lingban_kit.outbox import OUTBOX_FIELD, PENDING_FLAG, outbox_fields, with_events
from lingban_kit.runtime import ServiceRuntime
from lingban_projects.projects.domain import Project, Status

PROJECTS_COLLECTION = "projects"
_ADAPTER = TypeAdapter(Project)
_TRANSIENT = {"pending_events", "correlation_id"}


class ProjectRepository(abc.ABC):
    """The port the use cases talk to."""

    @abc.abstractmethod
    async def add(self, project: Project) -> None: ...

    @abc.abstractmethod
    async def get(self, project_id: str) -> Project | None: ...

    @abc.abstractmethod
    async def save(self, project: Project, expected_version: int) -> None:
        """Store the new state and its pending events if nobody saved since `expected_version`."""

    @abc.abstractmethod
    async def search(
        self,
        *,
        region_code: str,
        year: int | None = None,
        status: str | None = None,
        category: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> list[Project]: ...

    @abc.abstractmethod
    async def units_with_projects(self, region_code: str, year: int) -> set[str]: ...

    @abc.abstractmethod
    async def ids_in_status(self, statuses: tuple[Status, ...]) -> list[str]: ...


async def ensure_indexes(runtime: ServiceRuntime) -> None:
    coll = runtime.db[PROJECTS_COLLECTION]
    await coll.create_index([("unit_code", ASCENDING), ("year", ASCENDING)])
    await coll.create_index([("status", ASCENDING)])


def to_document(project: Project) -> Document:
    doc: Document = _ADAPTER.dump_python(project, mode="json", exclude=_TRANSIENT)
    doc["_id"] = doc.pop("id")
    # Denormalised for queries; the source of truth is the last revision.
    doc["title"] = project.declaration.title
    doc["category"] = project.declaration.category
    return doc


def from_document(doc: Document) -> Project:
    fields = {
        k: v
        for k, v in doc.items()
        if k not in ("_id", OUTBOX_FIELD, PENDING_FLAG, "title", "category")
    }
    return _ADAPTER.validate_python({**fields, "id": doc["_id"]})


class MongoProjectRepository(ProjectRepository):
    def __init__(self, db: Database) -> None:
        self.collection: Collection = db[PROJECTS_COLLECTION]

    async def add(self, project: Project) -> None:
        doc = to_document(project) | outbox_fields(project.pending_events)
        try:
            await self.collection.insert_one(doc)
        except DuplicateKeyError:
            raise Conflict(message="项目已存在", message_en="The project already exists") from None
        project.pending_events.clear()

    async def save(self, project: Project, expected_version: int) -> None:
        if not project.pending_events:
            return
        state = to_document(project)
        state.pop("_id")
        result = await self.collection.update_one(
            {"_id": project.id, "version": expected_version},
            with_events({"$set": state}, project.pending_events),
        )
        if result.matched_count == 0:
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

    async def search(
        self,
        *,
        region_code: str,
        year: int | None = None,
        status: str | None = None,
        category: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> list[Project]:
        query: dict[str, Any] = {"unit_code": {"$regex": f"^{region_prefix(region_code)}"}}
        for key, value in (("year", year), ("status", status), ("category", category)):
            if value is not None:
                query[key] = value
        cursor = (
            self.collection.find(query, {OUTBOX_FIELD: 0, PENDING_FLAG: 0})
            .sort([("unit_code", ASCENDING), ("_id", ASCENDING)])
            .skip(offset)
            .limit(limit)
        )
        return [from_document(d) async for d in cursor]

    async def units_with_projects(self, region_code: str, year: int) -> set[str]:
        query = {"unit_code": {"$regex": f"^{region_prefix(region_code)}"}, "year": year}
        return {d["unit_code"] async for d in self.collection.find(query, {"unit_code": 1})}

    async def ids_in_status(self, statuses: tuple[Status, ...]) -> list[str]:
        query = {"status": {"$in": [s.value for s in statuses]}}
        return [d["_id"] async for d in self.collection.find(query, {"_id": 1})]
