"""Supervision figures computed from per-entity documents (pure).

Documents (one per entity, folded from supervision events, each with
`unit_code`, `township_code`, `year`, `updated_at`, `applied_events`):
- inspection: `passed` (bool), `deduction` (points lost), `at` (datetime);
- rectification: `status` open|closed, `deadline` (YYYY-MM-DD), `closed_at`,
  `project_id`, `title`; open past its deadline counts as overdue;
- problem: `source`, `category`, `level`, `resolved` (bool);
- visit (one per township and month): `visits`, `planned`,
  `problems_raised`, `problems_resolved`.
Until the supervision contracts exist the collections are empty and every
figure here is 0 (rates null), by the same code that will compute them.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

Doc = dict[str, Any]


def rate(part: float, whole: float) -> float | None:
    return round(part / whole, 4) if whole else None


def rectification_status(doc: Doc, today: date) -> str:
    if doc.get("status") == "closed":
        return "closed"
    deadline = doc.get("deadline")
    if deadline and str(deadline) < today.isoformat():
        return "overdue"
    return "open"


def in_period(value: Any, start: datetime | None, end: datetime | None) -> bool:
    if start is None or end is None:
        return True
    return isinstance(value, datetime) and start <= value < end


def supervision_figures(
    inspections: list[Doc],
    rectifications: list[Doc],
    today: date,
    start: datetime | None = None,
    end: datetime | None = None,
) -> dict[str, Any]:
    chosen = [i for i in inspections if in_period(i.get("at"), start, end)]
    failed = sum(1 for i in chosen if not i.get("passed", True))
    deductions = round(sum(float(i.get("deduction", 0) or 0) for i in chosen), 2)
    statuses = [rectification_status(r, today) for r in rectifications]
    closed = statuses.count("closed")
    return {
        "inspections": len(chosen),
        "failed": failed,
        "failure_rate": rate(failed, len(chosen)),
        "deductions": deductions,
        "rectifications_open": statuses.count("open") + statuses.count("overdue"),
        "rectifications_closed": closed,
        "rectifications_overdue": statuses.count("overdue"),
        "closure_rate": rate(closed, len(statuses)),
    }


def problem_figures(problems: list[Doc]) -> dict[str, Any]:
    resolved = sum(1 for p in problems if p.get("resolved"))
    return {
        "total": len(problems),
        "resolved": resolved,
        "resolution_rate": rate(resolved, len(problems)),
    }


def visit_figures(visits: list[Doc]) -> dict[str, Any]:
    done = sum(int(v.get("visits", 0)) for v in visits)
    planned = sum(int(v.get("planned", 0)) for v in visits)
    raised = sum(int(v.get("problems_raised", 0)) for v in visits)
    resolved = sum(int(v.get("problems_resolved", 0)) for v in visits)
    return {
        "visits": done,
        "visit_rate": rate(done, planned),
        "problems_raised": raised,
        "problems_resolved": resolved,
        "resolution_rate": rate(resolved, raised),
    }
