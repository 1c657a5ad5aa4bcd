"""Reads of the stationing figures: one indexed equality per township and collection."""

from __future__ import annotations

from datetime import date
from typing import Any

from lingban_contracts.divisions import DivisionTree, Level, Unit
from lingban_reporting.read_models.generations import (
    STATIONED_MONTHS,
    STATIONING_ROSTERS,
    VISITS,
    ReadModels,
)
from lingban_reporting.stationing.figures import TownshipInput, township_figures

Doc = dict[str, Any]
VISIT_FIELDS = ("unit_code", "month", "visited_on", "households", "person_id", "position")


class StationingReads:
    def __init__(self, models: ReadModels, tree: DivisionTree) -> None:
        self.models = models
        self.tree = tree

    def townships(self, region: Unit) -> list[tuple[Unit, tuple[str, ...]]]:
        """The townships the region covers, each with the villages asked for."""
        if region.level is Level.VILLAGE:
            township = self.tree.township_of(region.code)
            return [(township, (region.code,))] if township is not None else []
        units = [u for u in self.tree.subtree(region.code) if u.level is Level.TOWNSHIP]
        return [
            (t, tuple(c.code for c in self.tree.children(t.code)))
            for t in sorted(units, key=lambda u: u.code)
        ]

    async def _find(self, base: str, query: Doc, names: tuple[str, ...] | None = None) -> list[Doc]:
        projection = dict.fromkeys(names, 1) if names else None
        return await self.models.collection(base).find(query, projection).to_list(None)

    async def figures(self, region: Unit, month: str, today: date | None = None) -> list[Doc]:
        year = int(month[:4])
        rows: list[Doc] = []
        for township, villages in self.townships(region):
            where = {"year": year, "township_code": township.code}
            rosters = await self._find(STATIONING_ROSTERS, where)
            months = [
                m for m in await self._find(STATIONED_MONTHS, where) if m.get("month") == month
            ]
            visits = [
                v for v in await self._find(VISITS, where, VISIT_FIELDS) if v.get("month") == month
            ]
            given = TownshipInput(
                township_code=township.code,
                township_name=township.name,
                village_codes=villages,
                roster=rosters[0] if rosters else None,
                months=months,
                visits=visits,
            )
            rows.append(township_figures(month, given, today))
        return rows
