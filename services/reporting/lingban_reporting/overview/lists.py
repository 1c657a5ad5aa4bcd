"""The dashboard's lists (pure): overdue stages and rectifications, from their documents."""

from __future__ import annotations

from datetime import date
from typing import Any

from lingban_contracts.divisions import DivisionTree
from lingban_contracts.events.supervision import RectificationStatus
from lingban_reporting.figures.derive import unit_json

Doc = dict[str, Any]

# The stored statuses a rectification shown as `open` (overdue included),
# `overdue` or `closed` can have; `open` is every one not closed.
R = RectificationStatus
STORED_STATUSES: dict[str | None, tuple[str, ...]] = {
    None: (R.OPEN, R.SUBMITTED, R.CLOSED),
    "open": (R.OPEN, R.SUBMITTED),
    "overdue": (R.OPEN, R.SUBMITTED),
    "closed": (R.CLOSED,),
}
# What a project's overdue stage item needs of its document.
OVERDUE_FIELDS = ("unit_code", "title", "overdue_months")


def rectification_status(doc: Doc, today: date) -> str:
    """closed, overdue (flagged, or open past its deadline) or open."""
    if doc.get("status") == "closed":
        return "closed"
    deadline = doc.get("deadline")
    if doc.get("flagged_overdue") or (deadline and str(deadline) < today.isoformat()):
        return "overdue"
    return "open"


def rectification_items(
    tree: DivisionTree, docs: list[Doc], status: str | None, today: date, limit: int
) -> list[dict[str, Any]]:
    items = []
    for doc in docs:
        current = rectification_status(doc, today)
        if (
            status is not None
            and current != status
            and not (status == "open" and current == "overdue")
        ):
            continue
        unit = tree.get(str(doc.get("unit_code")))
        items.append(
            {
                "id": doc["_id"],
                "unit": unit_json(unit) if unit else None,
                "project_id": doc.get("project_id"),
                "title": doc.get("title", ""),
                "deadline": doc.get("deadline"),
                "status": current,
            }
        )
    items.sort(key=lambda i: (str(i["deadline"]), str(i["id"])))
    return items[:limit]


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
