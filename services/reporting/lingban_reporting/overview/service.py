"""The report queries: figures for one viewer, one year and one region subtree.

Figures come from the pre-aggregated figure documents (`figures/`): the
subtree's own and its direct children's, a few small reads per request. The
lists (overdue stages, rectifications) read only the documents they show, by
indexed equality.
"""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

from lingban_contracts.divisions import DivisionTree, Level, Unit
from lingban_kit.auth import Principal
from lingban_kit.errors import Forbidden, NotFound
from lingban_reporting.figures import derive as f
from lingban_reporting.figures.layout import Layout
from lingban_reporting.figures.reads import FigureReads, counts_of, covered_of, freshness
from lingban_reporting.overview.lists import (
    OVERDUE_FIELDS,
    STORED_STATUSES,
    overdue_stage_items,
    rectification_items,
)
from lingban_reporting.projects.repository import MongoProjectReadRepository
from lingban_reporting.read_models.generations import ReadModels
from lingban_reporting.supervision.repository import SupervisionReads

Doc = dict[str, Any]


def resolve_region(tree: DivisionTree, principal: Principal, region: str | None) -> Unit:
    """The region asked for (default: the viewer's own); 403 outside the viewer's subtree."""
    code = region or principal.region_code
    principal.require_jurisdiction(code)
    unit = tree.get(code)
    if unit is None:
        raise NotFound(message=f"未知单位 {code}", message_en=f"Unknown unit {code}")
    return unit


class Reports:
    def __init__(self, models: ReadModels, tree: DivisionTree, today: date) -> None:
        self.models = models
        self.tree = tree
        self.today = today
        self.figures = FigureReads(models, Layout(tree))
        self.projects = MongoProjectReadRepository(models, tree)
        self.supervision = SupervisionReads(models, tree)

    async def overview(self, year: int, root: Unit) -> dict[str, Any]:
        doc, fresh = await asyncio.gather(self.figures.subtree(year, root), freshness(self.models))
        c = counts_of(doc)
        return {
            "year": year,
            "region": f.unit_json(root),
            "projects": f.project_figures(c),
            "coverage": f.coverage_counts(self.tree, root.code, covered_of(doc)),
            "supervision": f.supervision_figures(c, self.today),
            "problems": f.problem_figures(c),
            "visits": f.visit_figures(
                c,
                len(f.villages_of(self.tree, root.code)),
                f.months_so_far(year, self.today),
            ),
            "notifications": f.notification_figures(c),
            "as_of": fresh["as_of"],
        }

    async def units(self, year: int, root: Unit) -> dict[str, Any]:
        children = await self.figures.children(year, root)
        items = []
        for child in sorted(self.tree.children(root.code), key=lambda u: u.code):
            doc = children.get(child.code)  # none: nothing happened there this year
            items.append(f.unit_row(self.tree, child, counts_of(doc), covered_of(doc)))
        return {"region": f.unit_json(root), "items": items}

    async def categories(self, year: int, root: Unit) -> dict[str, Any]:
        return {"items": f.category_rows(counts_of(await self.figures.subtree(year, root)))}

    async def coverage(self, year: int, root: Unit) -> dict[str, Any]:
        covered = covered_of(await self.figures.subtree(year, root))
        counts = f.coverage_counts(self.tree, root.code, covered)
        uncovered = []
        for unit in sorted(f.uncovered_units(self.tree, root.code, covered), key=lambda u: u.code):
            parent = self.tree.parent_of(unit.code)
            uncovered.append({**f.unit_json(unit), "parent_name": parent.name if parent else None})
        return {"units": counts["units"], "covered": counts["covered"], "uncovered": uncovered}

    async def overdue_stages(self, year: int, root: Unit, limit: int) -> dict[str, Any]:
        projects = await self.projects.overdue(year, root.code, OVERDUE_FIELDS)
        return {"items": overdue_stage_items(self.tree, projects, limit)}

    async def rectifications(self, root: Unit, status: str | None, limit: int) -> dict[str, Any]:
        docs = await self.supervision.rectifications(root.code, STORED_STATUSES[status])
        return {"items": rectification_items(self.tree, docs, status, self.today, limit)}

    async def township_rows(self, year: int, root: Unit) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = (await self.units(year, root))["items"]
        for row in rows:
            row["deduction_score"] = row["deductions"]
        return rows

    async def rankings(self, year: int, root: Unit, metric: str) -> dict[str, Any]:
        if root.level not in (Level.CITY, Level.DISTRICT):
            raise Forbidden(
                message="乡镇排名仅供市级用户查看",
                message_en="Township rankings are for city-level viewers",
            )
        rows = await self.township_rows(year, root)
        items = [
            {
                "rank": r["rank"],
                "unit": r["unit"],
                "value": r["value"],
                "completion_rate": r["completion_rate"],
                "overdue_rate": r["overdue_rate"],
                "deduction_score": r["deduction_score"],
            }
            for r in f.rank(rows, metric)
        ]
        return {"metric": metric, "items": items}
