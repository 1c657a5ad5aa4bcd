"""The documents of each ledger, read with a cursor (a batch at a time, never the whole list).

Filters are the query API's: a year, a region subtree at any level as one
equality on the stored region path (`read_models/regions.py`), and the list's
own equalities; the indexes serving them are `generations.GIN_INDEXES` (year,
region_path, … of each model). Rows come sorted by the server, so nothing is
collected to sort.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from lingban_contracts.divisions import DivisionTree
from lingban_kit.mongo import Collection
from lingban_reporting.overview.lists import rectification_status
from lingban_reporting.projects.repository import ProjectFilter
from lingban_reporting.read_models.generations import ReadModels
from lingban_reporting.read_models.regions import region_equality

Doc = dict[str, Any]
Sort = list[tuple[str, int]]
BATCH = 500


@dataclass(frozen=True)
class LedgerQuery:
    """A ledger's filter: the year and region of the query API, plus equalities."""

    year: int
    region: str
    equal: dict[str, Any] = field(default_factory=dict)

    def filter(self) -> Doc:
        # Served by the model's (year, region_path, …) index (`generations.GIN_INDEXES`).
        return {"year": self.year, **region_equality(self.region), **self.equal}


async def stream(collection: Collection, query: Doc, region: str, sort: Sort) -> AsyncIterator[Doc]:
    # A city's year is tens of thousands of documents: MongoDB may sort them on
    # disk rather than refuse past its in-memory sort limit (FerretDB accepts it).
    cursor = collection.find(query).sort(sort).allow_disk_use(True).batch_size(BATCH)
    async for doc in cursor:
        yield doc


class LedgerReads:
    def __init__(self, models: ReadModels, tree: DivisionTree) -> None:
        self.models = models
        self.tree = tree

    def projects(self, where: ProjectFilter) -> AsyncIterator[Doc]:
        # The list API's order: by unit, then id.
        sort = [("unit_code", 1), ("_id", 1)]
        return stream(self.models.projects, where.query(), where.region, sort)

    def problems(self, q: LedgerQuery) -> AsyncIterator[Doc]:
        sort = [("unit_code", 1), ("registered_on", 1), ("_id", 1)]
        return stream(self.models.problems, q.filter(), q.region, sort)

    async def rectifications(
        self, q: LedgerQuery, view: str | None, today: date
    ) -> AsyncIterator[Doc]:
        """`view`: the dashboard's open (overdue included) | overdue | closed, or None."""
        sort = [("deadline", 1), ("_id", 1)]  # the rectification list's order
        async for doc in stream(self.models.rectifications, q.filter(), q.region, sort):
            current = rectification_status(doc, today)
            if view is None or current == view or (view == "open" and current == "overdue"):
                yield doc

    def visits(self, q: LedgerQuery) -> AsyncIterator[Doc]:
        sort = [("visited_on", 1), ("unit_code", 1), ("_id", 1)]
        return stream(self.models.visits, q.filter(), q.region, sort)
