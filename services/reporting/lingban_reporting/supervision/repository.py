"""Reads of the supervision and notification read models (per-entity documents)."""

from __future__ import annotations

from typing import Any

from lingban_contracts.regions import region_prefix
from lingban_kit.mongo import Collection
from lingban_reporting.read_models.generations import ReadModels

Doc = dict[str, Any]


def subtree_query(region: str, year: int | None) -> Doc:
    prefix = region_prefix(region)
    query: Doc = {"unit_code": {"$regex": f"^{prefix}"} if len(prefix) < 12 else prefix}
    if year is not None:
        query["year"] = year
    return query


async def _load(collection: Collection, region: str, year: int | None) -> list[Doc]:
    return [d async for d in collection.find(subtree_query(region, year))]


class SupervisionReads:
    def __init__(self, models: ReadModels) -> None:
        self.models = models

    async def inspections(self, region: str, year: int | None) -> list[Doc]:
        return await _load(self.models.inspections, region, year)

    async def rectifications(self, region: str, year: int | None = None) -> list[Doc]:
        return await _load(self.models.rectifications, region, year)

    async def problems(self, region: str, year: int | None) -> list[Doc]:
        return await _load(self.models.problems, region, year)

    async def visits(self, region: str, year: int | None) -> list[Doc]:
        return await _load(self.models.visits, region, year)

    async def notifications(self, region: str, year: int | None) -> list[Doc]:
        return await _load(self.models.notifications, region, year)
