"""Reading the figure documents: a subtree's, its children's, the freshness.

Each is one lookup by `_id` or one equality query on the indexed `sums_into`
(at most ~30 small documents): what a dashboard request costs, whatever the
number of projects.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from lingban_contracts.divisions import Unit
from lingban_reporting.figures.book import children_query
from lingban_reporting.figures.layout import ALL, Layout, rollup_id
from lingban_reporting.figures.packing import counts_of, covered_of
from lingban_reporting.read_models.entities import id_filter
from lingban_reporting.read_models.generations import ReadModels

Doc = dict[str, Any]
__all__ = ["FigureReads", "counts_of", "covered_of", "freshness"]


class FigureReads:
    def __init__(self, models: ReadModels, layout: Layout) -> None:
        self.collection = models.figures
        self.layout = layout

    async def subtree(self, year: int, unit: Unit) -> Doc | None:
        return await self.collection.find_one(id_filter(self.layout.subtree_id(year, unit)))

    async def children(self, year: int, unit: Unit) -> dict[str, Doc]:
        """The subtree documents of the unit's direct children in the tree, by code."""
        if not self.layout.keeps_rollup(unit.code):
            return {}
        wanted = {
            self.layout.subtree_id(year, child): child.code
            for child in self.layout.tree.children(unit.code)
        }
        query = children_query(rollup_id(year, unit.code))
        return {
            wanted[d["_id"]]: d async for d in self.collection.find(query) if d["_id"] in wanted
        }


async def freshness(models: ReadModels) -> dict[str, Any]:
    """Events applied and the newest event's time, over every read model: one document."""
    doc = await models.figures.find_one(id_filter(ALL), {"applied": 1, "as_of": 1})
    as_of = (doc or {}).get("as_of")
    return {
        "applied_events": int((doc or {}).get("applied") or 0),
        "as_of": as_of if isinstance(as_of, datetime) else None,
    }
