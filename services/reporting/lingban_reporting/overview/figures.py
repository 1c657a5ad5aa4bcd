"""Figures from per-project documents (pure: lists of dicts in, dicts out).

Every figure is recomputed from the per-entity documents on each query, never
kept as a counter, so redelivered events cannot inflate one.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from lingban_contracts.divisions import DivisionTree, Unit
from lingban_contracts.regions import in_subtree
from lingban_reporting.supervision.figures import rate

Doc = dict[str, Any]

# `approved` groups the statuses between approval and execution (filed, announced).
STATUS_GROUPS = {
    "submitted": ("submitted",),
    "returned": ("returned",),
    "approved": ("approved", "filed", "announced"),
    "in_execution": ("in_execution",),
    "completion_requested": ("completion_requested",),
    "completed": ("completed",),
    "evaluated": ("evaluated",),
}
# Every status a project can have once the level above approved it.
PASSED_REVIEW = (
    "approved",
    "filed",
    "announced",
    "in_execution",
    "completion_requested",
    "completed",
    "evaluated",
)


def unit_json(unit: Unit) -> dict[str, str]:
    return {"code": unit.code, "name": unit.name, "level": unit.level.value}


def project_figures(projects: list[Doc]) -> dict[str, Any]:
    statuses = Counter(str(p.get("status")) for p in projects)
    figures: dict[str, Any] = {"declared": len(projects)}
    for name, members in STATUS_GROUPS.items():
        figures[name] = sum(statuses[s] for s in members)
    completed = sum(1 for p in projects if p.get("completed"))
    # Cumulative figures (what leaders read as "passed review" and "completed"),
    # beside the counts by current status above.
    figures["passed_review"] = sum(statuses[s] for s in PASSED_REVIEW)
    figures["accepted"] = completed
    figures["overdue_projects"] = sum(1 for p in projects if p.get("overdue"))
    figures["overdue_stages"] = sum(int(p.get("overdue_stages", 0)) for p in projects)
    figures["completion_rate"] = rate(completed, len(projects))
    return figures


def coverage(tree: DivisionTree, root: str, projects: list[Doc]) -> dict[str, Any]:
    """Units of the subtree with and without a project this year (申报领办全覆盖)."""
    units = tree.subtree(root)
    with_project = {str(p["unit_code"]) for p in projects}
    uncovered = [u for u in units if u.code not in with_project]
    return {"units": len(units), "covered": len(units) - len(uncovered), "uncovered": uncovered}


def coverage_counts(tree: DivisionTree, root: str, projects: list[Doc]) -> dict[str, int]:
    c = coverage(tree, root, projects)
    return {"units": c["units"], "covered": c["covered"], "uncovered": len(c["uncovered"])}


def unit_breakdown(
    tree: DivisionTree, root: str, projects: list[Doc], deductions: dict[str, float]
) -> list[dict[str, Any]]:
    """One row per direct child of `root` (its subtree's projects)."""
    rows: list[dict[str, Any]] = []
    for child in sorted(tree.children(root), key=lambda u: u.code):
        mine = [p for p in projects if in_subtree(str(p["unit_code"]), child.code)]
        figures = project_figures(mine)
        rows.append(
            {
                "unit": unit_json(child),
                "declared": figures["declared"],
                "in_execution": figures["in_execution"],
                "completed": sum(1 for p in mine if p.get("completed")),
                "overdue_projects": figures["overdue_projects"],
                "overdue_stages": figures["overdue_stages"],
                "completion_rate": figures["completion_rate"],
                "overdue_rate": rate(figures["overdue_projects"], figures["declared"]),
                "deductions": round(
                    sum(v for code, v in deductions.items() if in_subtree(code, child.code)), 2
                ),
                "coverage": coverage_counts(tree, child.code, mine),
            }
        )
    return rows


def category_breakdown(projects: list[Doc]) -> list[dict[str, Any]]:
    by_category: dict[str, list[Doc]] = {}
    for p in projects:
        by_category.setdefault(str(p.get("category") or ""), []).append(p)
    items = []
    for category, mine in by_category.items():
        figures = project_figures(mine)
        items.append(
            {
                "category": category,
                "declared": figures["declared"],
                "in_execution": figures["in_execution"],
                "completed": sum(1 for p in mine if p.get("completed")),
                "overdue_projects": figures["overdue_projects"],
            }
        )
    return sorted(items, key=lambda i: (-i["declared"], i["category"]))


def overdue_stage_items(
    tree: DivisionTree, projects: list[Doc], limit: int
) -> list[dict[str, Any]]:
    items = []
    for p in projects:
        unit = tree.get(str(p["unit_code"]))
        for month in p.get("overdue_months", []):
            items.append(
                {
                    "project_id": p["_id"],
                    "title": p.get("title", ""),
                    "unit": unit_json(unit)
                    if unit
                    else {"code": p["unit_code"], "name": "", "level": ""},
                    "month": month,
                }
            )
    items.sort(key=lambda i: (i["month"], i["unit"]["code"], i["project_id"]))
    return items[:limit]


# metric -> (higher is better?)
RANKING_METRICS = {"completion_rate": True, "overdue_rate": False, "deduction_score": False}


def rank(rows: list[dict[str, Any]], metric: str) -> list[dict[str, Any]]:
    """Ranks 1..n, best first; a missing value (no projects) ranks last; ties by code."""
    higher_better = RANKING_METRICS[metric]

    def key(row: dict[str, Any]) -> tuple[int, float, str]:
        value = row[metric]
        if value is None:
            return (1, 0.0, row["unit"]["code"])
        return (0, -value if higher_better else value, row["unit"]["code"])

    ordered = sorted(rows, key=key)
    return [{"rank": i, "value": row[metric], **row} for i, row in enumerate(ordered, start=1)]
