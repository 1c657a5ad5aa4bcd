"""Supervision figures computed from per-entity documents (pure).

Documents are those of `supervision/state.py`. Every figure is recomputed
from them on each query; with no supervision events yet, every count is 0
and every rate null.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

Doc = dict[str, Any]


def rate(part: float, whole: float) -> float | None:
    return round(part / whole, 4) if whole else None


def rectification_status(doc: Doc, today: date) -> str:
    """closed, overdue (flagged, or open past its deadline) or open."""
    if doc.get("status") == "closed":
        return "closed"
    deadline = doc.get("deadline")
    if doc.get("flagged_overdue") or (deadline and str(deadline) < today.isoformat()):
        return "overdue"
    return "open"


def in_period(value: Any, start: datetime | None, end: datetime | None) -> bool:
    if start is None or end is None:
        return True
    return isinstance(value, datetime) and start <= value < end


def recorded(inspections: Iterable[Doc]) -> list[Doc]:
    """Planned inspections that have not taken place yet count for nothing."""
    return [i for i in inspections if i.get("recorded")]


def supervision_figures(
    inspections: list[Doc],
    rectifications: list[Doc],
    today: date,
    start: datetime | None = None,
    end: datetime | None = None,
) -> dict[str, Any]:
    chosen = [i for i in recorded(inspections) if in_period(i.get("at"), start, end)]
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


def visit_figures(
    visits: list[Doc], problems: list[Doc], villages: list[str], months: list[str]
) -> dict[str, Any]:
    """Stationed contact (驻点联系): visit rate = (village, month) pairs visited out of
    every village of the subtree in every month asked about; problems raised are the
    opinions logged on visits, resolved those problems of the list that came from a
    visit and are struck off."""
    wanted = set(villages)
    pairs = {
        (str(v.get("unit_code")), str(v.get("month")))
        for v in visits
        if v.get("unit_code") in wanted and v.get("month") in months
    }
    raised = sum(int(v.get("opinions", 0)) for v in visits if v.get("month") in months)
    resolved = sum(1 for p in problems if p.get("visit_id") and p.get("resolved"))
    return {
        "visits": sum(1 for v in visits if v.get("month") in months),
        "visit_rate": rate(len(pairs), len(wanted) * len(months)),
        "problems_raised": raised,
        "problems_resolved": resolved,
        "resolution_rate": rate(resolved, raised),
    }
