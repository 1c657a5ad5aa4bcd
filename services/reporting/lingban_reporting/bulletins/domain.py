"""The quarterly bulletin's figures (pure): one row per direct child unit, ranked.

From the figure documents' counters (`figures/contributions.py` keeps the
quarter-keyed ones this needs).

Quarter figures: projects declared for the year; accepted as complete by the
quarter's end; stages that went overdue in the quarter's months; inspections,
failures and deductions in the quarter; rectifications closed in it;
problems of the year; stationed-contact visits of the quarter's months.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from lingban_contracts.divisions import DivisionTree, Unit
from lingban_contracts.statuses import ProjectStatus
from lingban_kit.clock import LOCAL_ZONE
from lingban_reporting.figures.contributions import Counts
from lingban_reporting.figures.derive import rank, rate, unit_json, villages_of, visit_figures


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


def unit_row(tree: DivisionTree, unit: Unit, q: Quarter, c: Counts) -> dict[str, Any]:
    """One unit's subtree in the quarter, from its figure document's counters."""
    label = q.label
    end_month = q.end.strftime("%Y-%m")
    declared = int(c.get("p", 0))
    # Withdrawn projects (撤销) are declared but no longer owed a completion.
    withdrawn = int(c.get(f"ps:{ProjectStatus.WITHDRAWN}", 0))
    completed = int(
        sum(v for k, v in c.items() if k.startswith("pcm:") and k[len("pcm:") :] < end_month)
    )
    overdue_projects = int(c.get(f"pfqp:{label}", 0))
    problems, resolved = int(c.get("pr", 0)), int(c.get("prr", 0))
    visits = visit_figures(c, len(villages_of(tree, unit.code)), q.months)
    return {
        "unit": unit_json(unit),
        "declared": declared,
        "completed": completed,
        "completion_rate": rate(completed, declared - withdrawn),
        "overdue_stages": int(c.get(f"pfq:{label}", 0)),
        "overdue_projects": overdue_projects,
        "overdue_rate": rate(overdue_projects, declared),
        "inspections": int(c.get(f"iq:{label}", 0)),
        "failed_inspections": int(c.get(f"iqf:{label}", 0)),
        "deduction_score": round(float(c.get(f"iqd:{label}", 0)), 2),
        "rectifications_closed": int(c.get(f"rcq:{label}", 0)),
        "problems": problems,
        "problems_resolved": resolved,
        "problem_resolution_rate": rate(resolved, problems),
        "visits": visits["visits"],
        "visit_rate": visits["visit_rate"],
    }


def bulletin(
    tree: DivisionTree, root: Unit, q: Quarter, totals: Counts, children: dict[str, Counts]
) -> dict[str, Any]:
    """`totals`: the counters of the root's subtree; `children`: of each direct child's."""
    rows = [
        unit_row(tree, u, q, children.get(u.code, {}))
        for u in sorted(tree.children(root.code), key=lambda u: u.code)
    ]
    by_code = {r["unit"]["code"]: r for r in rows}
    for metric, field in (
        ("completion_rate", "rank"),
        ("overdue_rate", "rank_overdue_rate"),
        ("deduction_score", "rank_deduction_score"),
    ):
        for ranked in rank(rows, metric):
            by_code[ranked["unit"]["code"]][field] = ranked["rank"]
    rows.sort(key=lambda r: r["rank"])
    summary = unit_row(tree, root, q, totals)
    summary.pop("unit")
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
        "totals": summary,
    }
