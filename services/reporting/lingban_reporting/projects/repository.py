"""Every query on the project read model.

Filters are equalities on indexed fields (`read_models/generations.py`). A page
of a region's projects (sorted by unit, then id) is planned from the figure
documents, which count each unit's projects by status, category and overdue:
only the units the page falls in are read, never the region's whole year.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lingban_contracts.divisions import DivisionTree
from lingban_reporting.figures.contributions import Counts
from lingban_reporting.figures.layout import Layout, rollup_id, unit_id
from lingban_reporting.figures.reads import counts_of
from lingban_reporting.read_models.entities import id_filter
from lingban_reporting.read_models.generations import ReadModels
from lingban_reporting.read_models.regions import region_equality

Doc = dict[str, Any]
Count = Callable[[Counts], int]
# (unit code, rows of that unit to skip, rows to take)
Slice = tuple[str, int, int]


@dataclass(frozen=True)
class ProjectFilter:
    year: int
    region: str
    category: str | None = None
    status: str | None = None
    overdue: bool | None = None

    def conditions(self) -> Doc:
        """Everything but the region."""
        query: Doc = {"year": self.year}
        if self.category is not None:
            query["category"] = self.category
        if self.status is not None:
            query["status"] = self.status
        if self.overdue is not None:
            query["overdue"] = self.overdue
        return query

    def query(self) -> Doc:
        """Served by the (year, region_path, status, category, overdue) index of the
        projects (`generations.GIN_INDEXES`), for a region of any level."""
        return {**self.conditions(), **region_equality(self.region)}

    def unit_query(self, unit: str) -> Doc:
        """The filter's projects of one unit (a page is read unit by unit)."""
        return {**self.conditions(), "unit_code": unit}

    def counter(self) -> Count | None:
        """How a figure document counts the projects this filter selects (None: it cannot)."""
        given = [v for v in (self.category, self.status, self.overdue) if v is not None]
        if len(given) > 1:
            return None
        if self.status is not None:
            return _counter(f"ps:{self.status}")
        if self.category is not None:
            return _counter(f"pkn:{self.category}")
        if self.overdue is True:
            return _counter("po")
        if self.overdue is False:
            return lambda c: int(c.get("p", 0) - c.get("po", 0))
        return _counter("p")


def overdue_query(year: int, region: str) -> Doc:
    """Served by the same (year, region_path, …, overdue) index, for any level."""
    return {"year": year, "overdue": True, **region_equality(region)}


def _counter(name: str) -> Count:
    return lambda c: int(c.get(name, 0))


def _order(doc: Doc) -> tuple[str, str]:
    return (str(doc["unit_code"]), str(doc["_id"]))


class MongoProjectReadRepository:
    def __init__(self, models: ReadModels, tree: DivisionTree) -> None:
        self.collection = models.projects
        self.figures = models.figures
        self.tree = tree
        self.layout = Layout(tree)

    async def get(self, project_id: str) -> Doc | None:
        return await self.collection.find_one({"_id": project_id})

    async def page(self, where: ProjectFilter, limit: int, offset: int) -> tuple[int, list[Doc]]:
        count = where.counter()
        if count is None:
            return await self._page_by_reading(where, limit, offset)
        total, plan = await self.plan(where.year, where.region, count, offset, offset + limit)

        async def rows(unit: str, skip: int, take: int) -> list[Doc]:
            docs = sorted(
                [d async for d in self.collection.find(where.unit_query(unit))], key=_order
            )
            return docs[skip : skip + take]

        found = await asyncio.gather(*(rows(*part) for part in plan))
        return total, [doc for docs in found for doc in docs]

    async def plan(
        self, year: int, code: str, count: Count, start: int, stop: int
    ) -> tuple[int, list[Slice]]:
        """The region's total, and which rows of which units make up [start, stop)."""
        if not self.layout.keeps_rollup(code):
            n = count(counts_of(await self.figures.find_one(id_filter(unit_id(year, code)))))
            return n, ([(code, start, min(stop, n) - start)] if start < min(stop, n) else [])
        children = [d async for d in self.figures.find({"sums_into": rollup_id(year, code)})]
        children.sort(key=lambda d: str(d.get("code")))
        plan: list[Slice] = []
        position = 0
        for child in children:
            n = count(counts_of(child))
            lo, hi = max(start - position, 0), min(stop - position, n)
            if lo < hi:
                if child.get("kind") == "unit":
                    plan.append((str(child["code"]), lo, hi - lo))
                else:
                    plan += (await self.plan(year, str(child["code"]), count, lo, hi))[1]
            position += n
        return position, plan

    async def _page_by_reading(
        self, where: ProjectFilter, limit: int, offset: int
    ) -> tuple[int, list[Doc]]:
        """Filters the figures do not count (several at once): the matching documents."""
        docs = [d async for d in self.collection.find(where.query())]
        docs.sort(key=_order)
        return len(docs), docs[offset : offset + limit]

    async def overdue(self, year: int, region: str, fields: tuple[str, ...]) -> list[Doc]:
        """The region's projects of `year` with a stage overdue."""
        query = overdue_query(year, region)
        return [d async for d in self.collection.find(query, dict.fromkeys(fields, 1))]
