"""The quarterly bulletin's figures (pure): one row per direct child unit, ranked.

Quarter figures: projects declared for the year; accepted as complete by the
quarter's end; stages that went overdue in the quarter's months; inspections,
failures and deductions in the quarter; rectifications closed in it;
problems of the year; stationed-contact visits of the quarter's months.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from lingban_contracts.divisions import DivisionTree, Level, Unit
from lingban_contracts.regions import in_subtree
from lingban_kit.clock import LOCAL_ZONE
from lingban_reporting.overview.figures import rank, unit_json
from lingban_reporting.supervision.figures import in_period, rate, visit_figures

Doc = dict[str, Any]


@dataclass(frozen=True)
class Quarter:
    year: int
    quarter: int

    @property
    def label(self) -> str:
        return f"{self.year}-Q{self.quarter}"

    @property
    def months(self) -> list[str]:
        first = 3 * self.quarter - 2
        return [f"{self.year}-{m:02d}" for m in range(first, first + 3)]

    @property
    def start(self) -> datetime:
        return datetime(self.year, 3 * self.quarter - 2, 1, tzinfo=LOCAL_ZONE)

    @property
    def end(self) -> datetime:
        if self.quarter == 4:
            return datetime(self.year + 1, 1, 1, tzinfo=LOCAL_ZONE)
        return datetime(self.year, 3 * self.quarter + 1, 1, tzinfo=LOCAL_ZONE)

    @property
    def title(self) -> str:
        return f"{self.year}年第{self.quarter}季度书记领办项目工作通报"


@dataclass(frozen=True)
class Sources:
    projects: list[Doc]
    inspections: list[Doc]
    rectifications: list[Doc]
    problems: list[Doc]
    visits: list[Doc]


def _within(docs: list[Doc], code: str) -> list[Doc]:
    return [d for d in docs if in_subtree(str(d.get("unit_code")), code)]


def unit_row(tree: DivisionTree, unit: Unit, q: Quarter, s: Sources) -> dict[str, Any]:
    projects = _within(s.projects, unit.code)
    completed = sum(
        1
        for p in projects
        if isinstance(p.get("completed_at"), datetime) and p["completed_at"] < q.end
    )
    quarter_months = set(q.months)
    overdue_projects = 0
    overdue_stages = 0
    for p in projects:
        hits = quarter_months.intersection(p.get("flagged_months", []))
        overdue_stages += len(hits)
        overdue_projects += 1 if hits else 0
    inspections = [
        i for i in _within(s.inspections, unit.code) if in_period(i.get("at"), q.start, q.end)
    ]
    failed = sum(1 for i in inspections if not i.get("passed", True))
    deductions = round(sum(float(i.get("deduction", 0) or 0) for i in inspections), 2)
    closed = sum(
        1
        for r in _within(s.rectifications, unit.code)
        if r.get("status") == "closed" and in_period(r.get("closed_at"), q.start, q.end)
    )
    problems = _within(s.problems, unit.code)
    resolved = sum(1 for p in problems if p.get("resolved"))
    villages = [u.code for u in tree.subtree(unit.code) if u.level is Level.VILLAGE]
    visits = visit_figures(_within(s.visits, unit.code), problems, villages, q.months)
    return {
        "unit": unit_json(unit),
        "declared": len(projects),
        "completed": completed,
        "completion_rate": rate(completed, len(projects)),
        "overdue_stages": overdue_stages,
        "overdue_projects": overdue_projects,
        "overdue_rate": rate(overdue_projects, len(projects)),
        "inspections": len(inspections),
        "failed_inspections": failed,
        "deduction_score": deductions,
        "rectifications_closed": closed,
        "problems": len(problems),
        "problems_resolved": resolved,
        "problem_resolution_rate": rate(resolved, len(problems)),
        "visits": visits["visits"],
        "visit_rate": visits["visit_rate"],
    }


def bulletin(tree: DivisionTree, root: Unit, q: Quarter, s: Sources) -> dict[str, Any]:
    rows = [unit_row(tree, u, q, s) for u in sorted(tree.children(root.code), key=lambda u: u.code)]
    by_code = {r["unit"]["code"]: r for r in rows}
    for metric, field in (
        ("completion_rate", "rank"),
        ("overdue_rate", "rank_overdue_rate"),
        ("deduction_score", "rank_deduction_score"),
    ):
        for ranked in rank(rows, metric):
            by_code[ranked["unit"]["code"]][field] = ranked["rank"]
    rows.sort(key=lambda r: r["rank"])
    totals = unit_row(tree, root, q, s)
    totals.pop("unit")
    return {
        "year": q.year,
        "quarter": q.quarter,
        "title": q.title,
        # Both days inclusive, as a printed bulletin states its period.
        "period": {
            "start": q.start.date().isoformat(),
            "end": (q.end - timedelta(days=1)).date().isoformat(),
        },
        "region": unit_json(root),
        "rows": rows,
        "totals": totals,
    }
