"""Supervision read-model documents folded from supervision events (pure).

Same rules as the project fold: replaced fields carry a per-field version
guard, accumulating facts are sets, so any order and any repetition of the
events gives the same documents.
- inspection (key `inspection_id`): recorded?, passed, deduction, inspection time, unit;
- rectification (key `rectification_id`): status open|submitted|closed, deadline,
  closed time, overdue deadlines flagged, unit, project, items;
- problem (key `problem_id`): source, category, level, status, resolved, visit;
- visit (key `visit_id`): unit, township, month, households, opinions raised.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from lingban_contracts import Envelope
from lingban_contracts.events.supervision import RectificationStatus
from lingban_kit.clock import LOCAL_ZONE
from lingban_reporting.read_models.tracking import base_doc, newer, track

S = "lingban.supervision."
INSPECTION_PLANNED = S + "inspection-planned.v1"
INSPECTION_RECORDED = S + "inspection-recorded.v1"
INSPECTION_FAILED = S + "inspection-failed.v1"
RECTIFICATION_OPENED = S + "rectification-opened.v1"
RECTIFICATION_SUBMITTED = S + "rectification-submitted.v1"
RECTIFICATION_VERIFIED = S + "rectification-verified.v1"
RECTIFICATION_REOPENED = S + "rectification-reopened.v1"
RECTIFICATION_OVERDUE = S + "rectification-overdue.v1"
PROBLEM_REGISTERED = S + "problem-registered.v1"
PROBLEM_STATUS_CHANGED = S + "problem-status-changed.v1"
PROBLEM_RESOLVED = S + "problem-resolved.v1"
VISIT_LOGGED = S + "visit-logged.v1"

INSPECTION_EVENTS = (INSPECTION_PLANNED, INSPECTION_RECORDED, INSPECTION_FAILED)
RECTIFICATION_EVENTS = (
    INSPECTION_FAILED,
    RECTIFICATION_OPENED,
    RECTIFICATION_SUBMITTED,
    RECTIFICATION_VERIFIED,
    RECTIFICATION_REOPENED,
    RECTIFICATION_OVERDUE,
)
PROBLEM_EVENTS = (PROBLEM_REGISTERED, PROBLEM_STATUS_CHANGED, PROBLEM_RESOLVED)
VISIT_EVENTS = (VISIT_LOGGED,)

Doc = dict[str, Any]


def local_midnight(day: str) -> datetime:
    d = date.fromisoformat(day)
    return datetime(d.year, d.month, d.day, tzinfo=LOCAL_ZONE)


def _place(doc: Doc, data: dict[str, Any]) -> None:
    for field in ("unit_code", "township_code", "project_id", "year"):
        if data.get(field) is not None:
            doc[field] = data[field]


# ---- inspections ---------------------------------------------------------------
def new_inspection(event: Envelope) -> Doc:
    doc = base_doc(str(event.data["inspection_id"]))
    doc.update(
        recorded=False, passed=True, deduction=0, at=None, method=None, year=event.data["year"]
    )
    return doc


def fold_inspection(doc: Doc, event: Envelope) -> None:
    data = event.data
    if event.type == INSPECTION_PLANNED:
        if not doc["recorded"]:
            _place(doc, data)
            doc["method"] = data["method"]
    elif event.type == INSPECTION_RECORDED and newer(doc, "record_version", event):
        _place(doc, data)
        doc.update(
            recorded=True,
            passed=bool(data["passed"]),
            deduction=int(data["deductions"]),
            score=int(data["score"]),
            method=data["method"],
            at=local_midnight(str(data["inspected_on"])),
        )
    elif event.type == INSPECTION_FAILED:
        _place(doc, data)
    track(doc, event)


# ---- rectifications ------------------------------------------------------------
RECTIFICATION_STATUS = {
    INSPECTION_FAILED: RectificationStatus.OPEN.value,
    RECTIFICATION_OPENED: RectificationStatus.OPEN.value,
    RECTIFICATION_SUBMITTED: RectificationStatus.SUBMITTED.value,
    RECTIFICATION_VERIFIED: RectificationStatus.CLOSED.value,
    RECTIFICATION_REOPENED: RectificationStatus.OPEN.value,
}


def new_rectification(event: Envelope) -> Doc:
    doc = base_doc(str(event.data["rectification_id"]))
    doc.update(
        status="open",
        deadline=None,
        closed_at=None,
        overdue_deadlines=[],
        items=[],
        title="",
        year=event.data["year"],
    )
    return doc


def fold_rectification(doc: Doc, event: Envelope) -> None:
    data = event.data
    _place(doc, data)
    deadline = data.get("deadline", data.get("rectification_deadline"))
    if deadline is not None and newer(doc, "deadline_version", event):
        doc["deadline"] = str(deadline)
    if event.type == INSPECTION_FAILED and not doc["items"]:
        doc["items"] = list(data["failed_items"])
    if event.type == RECTIFICATION_OPENED and newer(doc, "items_version", event):
        doc["items"] = list(data["items"])
    if event.type == RECTIFICATION_VERIFIED:
        doc["closed_at"] = local_midnight(str(data["closed_on"]))
    if event.type == RECTIFICATION_OVERDUE:
        doc["overdue_deadlines"] = sorted({*doc["overdue_deadlines"], str(data["deadline"])})
    status = RECTIFICATION_STATUS.get(event.type)
    if status is not None and newer(doc, "status_version", event):
        doc["status"] = status
    doc["title"] = "；".join(doc["items"])
    doc["flagged_overdue"] = (
        doc["status"] != "closed" and doc["deadline"] in doc["overdue_deadlines"]
    )
    track(doc, event)


# ---- problems ------------------------------------------------------------------
def new_problem(event: Envelope) -> Doc:
    doc = base_doc(str(event.data["problem_id"]))
    doc.update(status="open", resolved=False, visit_id=None, year=event.data["year"])
    return doc


def fold_problem(doc: Doc, event: Envelope) -> None:
    data = event.data
    _place(doc, data)
    if newer(doc, "class_version", event):
        doc.update(
            source=data["source"],
            channel=data["channel"],
            category=data["category"],
            level=data["level"],
        )
    if event.type == PROBLEM_REGISTERED:
        doc["visit_id"] = data.get("visit_id")
        doc["inspection_id"] = data.get("inspection_id")
    status = "resolved" if event.type == PROBLEM_RESOLVED else data.get("status")
    if status is not None and newer(doc, "status_version", event):
        doc["status"] = status
    doc["resolved"] = doc["status"] == "resolved"
    track(doc, event)


# ---- visits --------------------------------------------------------------------
def new_visit(event: Envelope) -> Doc:
    doc = base_doc(str(event.data["visit_id"]))
    doc["year"] = event.data["year"]
    return doc


def fold_visit(doc: Doc, event: Envelope) -> None:
    data = event.data
    if newer(doc, "visit_version", event):
        _place(doc, data)
        doc.update(
            month=data["month"],
            visited_on=str(data["visited_on"]),
            households_visited=int(data["households_visited"]),
            opinions=int(data["opinions"]),
            problem_ids=list(data["problem_ids"]),
            four_must_visits=sorted(set(data["four_must_visits"])),
        )
    track(doc, event)
