"""The figures shown, from the counters of a subtree's figure document (pure).

`contributions.py` says what each counter counts; these functions turn a sum of
them into the API's figures, with the same definitions and rounding the
per-document computations always had (`tests/reporting/scratch.py` holds those,
and the tests compare the two). Figures that depend on the date (open
rectifications past their deadline, the months of the year so far) are
computed here, as of the day asked about, from what the counters keep.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from lingban_contracts.divisions import DivisionTree, Level, Unit
from lingban_contracts.statuses import PROJECT_KIND_ZH, ProjectKind, ProjectStatus
from lingban_reporting.figures.contributions import Counts

S = ProjectStatus
# `approved` groups the statuses between approval and execution (filed, announced).
STATUS_GROUPS: dict[str, tuple[str, ...]] = {
    S.SUBMITTED: (S.SUBMITTED,),
    S.RETURNED: (S.RETURNED,),
    S.APPROVED: (S.APPROVED, S.FILED, S.ANNOUNCED),
    S.IN_EXECUTION: (S.IN_EXECUTION,),
    S.COMPLETION_REQUESTED: (S.COMPLETION_REQUESTED,),
    S.COMPLETED: (S.COMPLETED,),
    S.EVALUATED: (S.EVALUATED,),
    S.WITHDRAWN: (S.WITHDRAWN,),
}
# Every status a project can have once the level above approved it.
PASSED_REVIEW: tuple[str, ...] = (
    S.APPROVED,
    S.FILED,
    S.ANNOUNCED,
    S.IN_EXECUTION,
    S.COMPLETION_REQUESTED,
    S.COMPLETED,
    S.EVALUATED,
)


def rate(part: float, whole: float) -> float | None:
    return round(part / whole, 4) if whole else None


def unit_json(unit: Unit) -> dict[str, str]:
    return {"code": unit.code, "name": unit.name, "level": unit.level.value}


def _n(counts: Counts, key: str) -> int:
    return int(counts.get(key, 0))


def _with_prefix(counts: Counts, prefix: str) -> dict[str, float]:
    return {k[len(prefix) :]: v for k, v in counts.items() if k.startswith(prefix)}


def project_figures(c: Counts) -> dict[str, Any]:
    declared = _n(c, "p")
    figures: dict[str, Any] = {"declared": declared}
    for name, members in STATUS_GROUPS.items():
        figures[name] = sum(_n(c, f"ps:{s}") for s in members)
    completed = _n(c, "pc")
    # Cumulative figures (what leaders read as "passed review" and "completed"),
    # beside the counts by current status above.
    figures["passed_review"] = sum(_n(c, f"ps:{s}") for s in PASSED_REVIEW)
    figures["accepted"] = completed
    figures["overdue_projects"] = _n(c, "po")
    figures["overdue_stages"] = _n(c, "pos")
    figures["lagging_projects"] = _n(c, "pl")
    figures["lagging_stages"] = _n(c, "pls")
    # Withdrawn projects (撤销) count as declared but not in what had to be completed.
    figures["completion_rate"] = rate(completed, declared - figures[S.WITHDRAWN])
    figures["by_kind"] = {
        kind.value: {
            "label": PROJECT_KIND_ZH[kind],
            "declared": _n(c, f"pt:{kind}"),
            "accepted": _n(c, f"ptc:{kind}"),
            "withdrawn": _n(c, f"ptw:{kind}"),
        }
        for kind in ProjectKind
    }
    return figures


def coverage_counts(tree: DivisionTree, root: str, covered: list[str]) -> dict[str, int]:
    units = len(tree.subtree(root))
    return {"units": units, "covered": len(covered), "uncovered": units - len(covered)}


def uncovered_units(tree: DivisionTree, root: str, covered: list[str]) -> list[Unit]:
    with_project = set(covered)
    return [u for u in tree.subtree(root) if u.code not in with_project]


def open_rectifications_overdue(c: Counts, today: date) -> int:
    """Open ones flagged overdue, and open ones whose deadline has passed by `today`."""
    day = today.isoformat()
    late = sum(v for deadline, v in _with_prefix(c, "rd:").items() if deadline < day)
    return _n(c, "rf") + int(late)


def supervision_figures(c: Counts, today: date) -> dict[str, Any]:
    inspections = _n(c, "i")
    failed = _n(c, "if")
    total = _n(c, "r")
    closed = _n(c, "rc")
    return {
        "inspections": inspections,
        "failed": failed,
        "failure_rate": rate(failed, inspections),
        "deductions": round(float(c.get("id", 0)), 2),
        "rectifications_open": total - closed,
        "rectifications_closed": closed,
        "rectifications_overdue": open_rectifications_overdue(c, today),
        "closure_rate": rate(closed, total),
    }


def problem_figures(c: Counts) -> dict[str, Any]:
    total, resolved = _n(c, "pr"), _n(c, "prr")
    return {"total": total, "resolved": resolved, "resolution_rate": rate(resolved, total)}


def visit_figures(c: Counts, villages: int, months: list[str]) -> dict[str, Any]:
    """Stationed contact (驻点联系): visit rate = (village, month) pairs visited out of
    every village of the subtree in every month asked about; problems raised are the
    opinions logged on visits, resolved those problems of the list that came from a
    visit and are struck off."""
    visits = sum(_n(c, f"v:{m}") for m in months)
    pairs = sum(_n(c, f"vp:{m}") for m in months)
    raised = sum(_n(c, f"vo:{m}") for m in months)
    resolved = _n(c, "prv")
    return {
        "visits": visits,
        "visit_rate": rate(pairs, villages * len(months)),
        "problems_raised": raised,
        "problems_resolved": resolved,
        "resolution_rate": rate(resolved, raised),
    }


def notification_figures(c: Counts) -> dict[str, Any]:
    acknowledged = _n(c, "na")
    return {
        "sent": _n(c, "ns"),
        "acknowledged": acknowledged,
        "acknowledgement_rate": rate(acknowledged, _n(c, "nn")),
    }


def villages_of(tree: DivisionTree, root: str) -> list[str]:
    return [u.code for u in tree.subtree(root) if u.level is Level.VILLAGE]


def months_so_far(year: int, today: date) -> list[str]:
    """The months of `year` that have begun (all twelve for a past year)."""
    last = 12 if year < today.year else (today.month if year == today.year else 0)
    return [f"{year}-{m:02d}" for m in range(1, last + 1)]


def unit_row(tree: DivisionTree, unit: Unit, c: Counts, covered: list[str]) -> dict[str, Any]:
    """A drill-down row: one direct child's subtree."""
    figures = project_figures(c)
    return {
        "unit": unit_json(unit),
        "declared": figures["declared"],
        "in_execution": figures["in_execution"],
        "completed": figures["accepted"],
        "overdue_projects": figures["overdue_projects"],
        "overdue_stages": figures["overdue_stages"],
        "completion_rate": figures["completion_rate"],
        "overdue_rate": rate(figures["overdue_projects"], figures["declared"]),
        "deductions": round(float(c.get("id", 0)), 2),
        "coverage": coverage_counts(tree, unit.code, covered),
    }


def category_rows(c: Counts) -> list[dict[str, Any]]:
    items = [
        {
            "category": category,
            "declared": int(declared),
            "in_execution": _n(c, f"pkx:{category}"),
            "completed": _n(c, f"pkc:{category}"),
            "overdue_projects": _n(c, f"pko:{category}"),
        }
        for category, declared in _with_prefix(c, "pkn:").items()
        if declared
    ]
    return sorted(items, key=lambda i: (-i["declared"], i["category"]))


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
