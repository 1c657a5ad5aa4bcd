"""The report queries: figures for one viewer, one year and one region subtree."""

from __future__ import annotations

from datetime import date
from typing import Any

from lingban_contracts.divisions import DivisionTree, Level, Unit
from lingban_kit.auth import Principal
from lingban_kit.errors import Forbidden, NotFound
from lingban_reporting.freshness import freshness
from lingban_reporting.notifications.figures import notification_figures
from lingban_reporting.overview import figures as f
from lingban_reporting.projects.repository import MongoProjectReadRepository, ProjectFilter
from lingban_reporting.read_models.generations import ReadModels
from lingban_reporting.supervision.figures import (
    problem_figures,
    recorded,
    rectification_status,
    supervision_figures,
    visit_figures,
)
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


def deductions_by_unit(inspections: list[Doc]) -> dict[str, float]:
    totals: dict[str, float] = {}
    for i in recorded(inspections):
        code = str(i.get("unit_code"))
        totals[code] = totals.get(code, 0.0) + float(i.get("deduction", 0) or 0)
    return totals


def villages_of(tree: DivisionTree, root: str) -> list[str]:
    return [u.code for u in tree.subtree(root) if u.level is Level.VILLAGE]


def months_so_far(year: int, today: date) -> list[str]:
    """The months of `year` that have begun (all twelve for a past year)."""
    last = 12 if year < today.year else (today.month if year == today.year else 0)
    return [f"{year}-{m:02d}" for m in range(1, last + 1)]


class Reports:
    def __init__(self, models: ReadModels, tree: DivisionTree, today: date) -> None:
        self.models = models
        self.tree = tree
        self.today = today
        self.projects = MongoProjectReadRepository(models)
        self.supervision = SupervisionReads(models)

    async def _projects(self, year: int, root: Unit) -> list[Doc]:
        return await self.projects.for_figures(ProjectFilter(year=year, region=root.code))

    async def overview(self, year: int, root: Unit) -> dict[str, Any]:
        projects = await self._projects(year, root)
        reads = self.supervision
        problems = await reads.problems(root.code, year)
        return {
            "year": year,
            "region": f.unit_json(root),
            "projects": f.project_figures(projects),
            "coverage": f.coverage_counts(self.tree, root.code, projects),
            "supervision": supervision_figures(
                await reads.inspections(root.code, year),
                await reads.rectifications(root.code, year),
                self.today,
            ),
            "problems": problem_figures(problems),
            "visits": visit_figures(
                await reads.visits(root.code, year),
                problems,
                villages_of(self.tree, root.code),
                months_so_far(year, self.today),
            ),
            "notifications": notification_figures(await reads.notifications(root.code, year)),
            "as_of": (await freshness(self.models))["as_of"],
        }

    async def units(self, year: int, root: Unit) -> dict[str, Any]:
        projects = await self._projects(year, root)
        inspections = await self.supervision.inspections(root.code, year)
        items = f.unit_breakdown(self.tree, root.code, projects, deductions_by_unit(inspections))
        return {"region": f.unit_json(root), "items": items}

    async def categories(self, year: int, root: Unit) -> dict[str, Any]:
        return {"items": f.category_breakdown(await self._projects(year, root))}

    async def coverage(self, year: int, root: Unit) -> dict[str, Any]:
        c = f.coverage(self.tree, root.code, await self._projects(year, root))
        uncovered = []
        for unit in sorted(c["uncovered"], key=lambda u: u.code):
            parent = self.tree.parent_of(unit.code)
            uncovered.append({**f.unit_json(unit), "parent_name": parent.name if parent else None})
        return {"units": c["units"], "covered": c["covered"], "uncovered": uncovered}

    async def overdue_stages(self, year: int, root: Unit, limit: int) -> dict[str, Any]:
        where = ProjectFilter(year=year, region=root.code, overdue=True)
        projects = await self.projects.for_figures(where)
        return {"items": f.overdue_stage_items(self.tree, projects, limit)}

    async def rectifications(self, root: Unit, status: str | None, limit: int) -> dict[str, Any]:
        items = []
        for doc in await self.supervision.rectifications(root.code):
            current = rectification_status(doc, self.today)
            if (
                status is not None
                and current != status
                and not (status == "open" and current == "overdue")
            ):
                continue
            unit = self.tree.get(str(doc.get("unit_code")))
            items.append(
                {
                    "id": doc["_id"],
                    "unit": f.unit_json(unit) if unit else None,
                    "project_id": doc.get("project_id"),
                    "title": doc.get("title", ""),
                    "deadline": doc.get("deadline"),
                    "status": current,
                }
            )
        items.sort(key=lambda i: (str(i["deadline"]), str(i["id"])))
        return {"items": items[:limit]}

    async def township_rows(self, year: int, root: Unit) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = (await self.units(year, root))["items"]
        for row in rows:
            row["deduction_score"] = row["deductions"]
        return rows

    async def rankings(self, year: int, root: Unit, metric: str) -> dict[str, Any]:
        if root.level is not Level.CITY:
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
