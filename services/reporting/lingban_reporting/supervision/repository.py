"""Reads of the supervision read models the lists need (the figures come from `figures/`)."""

from __future__ import annotations

from typing import Any

from lingban_contracts.divisions import DivisionTree
from lingban_contracts.events.supervision import RectificationStatus
from lingban_reporting.read_models.generations import ReadModels
from lingban_reporting.read_models.regions import region_equality

Doc = dict[str, Any]

# What a rectification's `status` can be (its fold, `state.py`).
RECTIFICATION_STATUSES: tuple[str, ...] = tuple(RectificationStatus)


def rectification_queries(region: str, statuses: tuple[str, ...]) -> list[Doc]:
    """One equality query per stored status (FerretDB serves no `$in` from an index),
    served by the rectifications' (…, region_path, status) index (`GIN_INDEXES`)."""
    where = region_equality(region)
    return [{"status": status, **where} for status in statuses]


class SupervisionReads:
    def __init__(self, models: ReadModels, tree: DivisionTree) -> None:
        self.models = models
        self.tree = tree

    async def rectifications(self, region: str, statuses: tuple[str, ...]) -> list[Doc]:
        """The region's rectifications (every year) in the given stored statuses."""
        collection = self.models.rectifications
        return [
            doc
            for query in rectification_queries(region, statuses)
            async for doc in collection.find(query)
        ]
