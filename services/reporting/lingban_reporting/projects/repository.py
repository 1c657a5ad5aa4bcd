"""Every query on the project read model, behind a port (tests may fake it)."""

from __future__ import annotations

import abc
from dataclasses import dataclass
from typing import Any

from lingban_contracts.regions import region_prefix
from lingban_reporting.read_models.generations import ReadModels

Doc = dict[str, Any]

# What the figures need from each project document (keeps the reads small).
FIGURE_FIELDS = (
    "unit_code",
    "township_code",
    "year",
    "title",
    "category",
    "status",
    "completed",
    "completed_at",
    "overdue",
    "overdue_stages",
    "overdue_months",
    "flagged_months",
    "stages_total",
    "stages_done",
    "updated_at",
)


@dataclass(frozen=True)
class ProjectFilter:
    year: int
    region: str
    category: str | None = None
    status: str | None = None
    overdue: bool | None = None

    def query(self) -> Doc:
        query: Doc = {"year": self.year}
        prefix = region_prefix(self.region)
        if len(prefix) < 12:
            query["unit_code"] = {"$regex": f"^{prefix}"}
        else:
            query["unit_code"] = prefix
        if self.category is not None:
            query["category"] = self.category
        if self.status is not None:
            query["status"] = self.status
        if self.overdue is not None:
            query["overdue"] = self.overdue
        return query


class ProjectReadRepository(abc.ABC):
    @abc.abstractmethod
    async def get(self, project_id: str) -> Doc | None: ...

    @abc.abstractmethod
    async def page(
        self, where: ProjectFilter, limit: int, offset: int
    ) -> tuple[int, list[Doc]]: ...

    @abc.abstractmethod
    async def for_figures(self, where: ProjectFilter) -> list[Doc]: ...


class MongoProjectReadRepository(ProjectReadRepository):
    def __init__(self, models: ReadModels) -> None:
        self.collection = models.projects

    async def get(self, project_id: str) -> Doc | None:
        return await self.collection.find_one({"_id": project_id})

    async def page(self, where: ProjectFilter, limit: int, offset: int) -> tuple[int, list[Doc]]:
        query = where.query()
        total = await self.collection.count_documents(query)
        cursor = (
            self.collection.find(query)
            .sort([("unit_code", 1), ("_id", 1)])
            .skip(offset)
            .limit(limit)
        )
        return total, [d async for d in cursor]

    async def for_figures(self, where: ProjectFilter) -> list[Doc]:
        projection = dict.fromkeys(FIGURE_FIELDS, 1)
        return [d async for d in self.collection.find(where.query(), projection)]
