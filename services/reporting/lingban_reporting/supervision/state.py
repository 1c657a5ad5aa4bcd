"""Supervision read-model documents folded from supervision events (pure).

Same rules as the project fold: replaced fields carry a per-field version
guard, accumulating facts are sets, so any order and any repetition of the
events gives the same documents.
- inspection (key `inspection_id`): recorded?, passed, deduction, inspection time, unit,
  and for the printed record (督导记录) the plan, checklist, findings and scores;
- rectification (key `rectification_id`): status open|submitted|closed, deadline,
  closed time, overdue deadlines flagged, unit, project, items, and for the ledger
  (整改台账) the latest submission, verification and reopening;
- problem (key `problem_id`): source, category, level, status, resolved, visit,
  description, measures, resolution;
- visit (key `visit_id`): unit, township, month, households (kind and pseudonymous ref),
  opinions raised, visitor and the stationed person of the roster.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from lingban_contracts import Envelope
from lingban_contracts.events import supervision as ev
from lingban_contracts.events.supervision import ProblemStatus, RectificationStatus
from lingban_contracts.registry import event_type
from lingban_kit.clock import LOCAL_ZONE
from lingban_reporting.read_models.tracking import base_doc, newer, track

INSPECTION_PLANNED = event_type(ev.InspectionPlanned)
INSPECTION_RECORDED = event_type(ev.InspectionRecorded)
INSPECTION_FAILED = event_type(ev.InspectionFailed)
RECTIFICATION_OPENED = event_type(ev.RectificationOpened)
RECTIFICATION_SUBMITTED = event_type(ev.RectificationSubmitted)
RECTIFICATION_VERIFIED = event_type(ev.RectificationVerified)
RECTIFICATION_REOPENED = event_type(ev.RectificationReopened)
RECTIFICATION_OVERDUE = event_type(ev.RectificationOverdue)
PROBLEM_REGISTERED = event_type(ev.ProblemRegistered)
PROBLEM_STATUS_CHANGED = event_type(ev.ProblemStatusChanged)
PROBLEM_RESOLVED = event_type(ev.ProblemResolved)
VISIT_LOGGED = event_type(ev.VisitLogged)

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
        recorded=False,
        passed=True,
        deduction=0,
        at=None,
        method=None,
        year=event.data["year"],
        group_id=event.data["group_id"],
        planned_on=None,
        rectification_id=None,
    )
    return doc


# What the printed record (督导记录) shows, from `inspection-recorded`.
RECORD_FIELDS = (
    "half_month",
    "announced",
    "on_site",
    "inspected_on",
    "checklist",
    "team_absent",
    "max_score",
    "pass_mark",
    "findings",
)


def fold_inspection(doc: Doc, event: Envelope) -> None:
    data = event.data
    if event.type == INSPECTION_PLANNED:
        doc["planned_on"] = data["planned_on"]  # one plan per inspection
        if not doc["recorded"]:
            _place(doc, data)
            doc.update(method=data["method"], half_month=data["half_month"])
            doc.update(announced=data["announced"], on_site=data["on_site"])
    elif event.type == INSPECTION_RECORDED and newer(doc, "record_version", event):
        _place(doc, data)
        doc.update(
            recorded=True,
            passed=bool(data["passed"]),
            deduction=int(data["deductions"]),
            score=int(data["score"]),
            method=data["method"],
            at=local_midnight(str(data["inspected_on"])),
            photos=len(data.get("photos", [])),
        )
        doc.update({name: data[name] for name in RECORD_FIELDS})
    elif event.type == INSPECTION_FAILED:
        _place(doc, data)
        doc["rectification_id"] = data["rectification_id"]
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
        status=RectificationStatus.OPEN.value,
        deadline=None,
        closed_at=None,
        overdue_deadlines=[],
        items=[],
        title="",
        year=event.data["year"],
        inspection_id=event.data["inspection_id"],
        group_id=event.data["group_id"],
        required_measures=[],
        submission=None,
        verification=None,
        reopenings=[],
    )
    return doc


def fold_rectification(doc: Doc, event: Envelope) -> None:
    data = event.data
    _place(doc, data)
    _fold_rectification_record(doc, event)
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
        doc["status"] != RectificationStatus.CLOSED.value
        and doc["deadline"] in doc["overdue_deadlines"]
    )
    track(doc, event)


def _fold_rectification_record(doc: Doc, event: Envelope) -> None:
    """What the ledger (整改台账) prints: the newest submission, the verification, reopenings."""
    data = event.data
    if event.type == RECTIFICATION_OPENED and data.get("measures"):
        if newer(doc, "measures_version", event):
            doc["required_measures"] = list(data["measures"])
    elif event.type == RECTIFICATION_SUBMITTED and newer(doc, "submission_version", event):
        doc["submission"] = {
            "submitted_on": data["submitted_on"],
            "measures": list(data["measures"]),
            "narrative": data["narrative"],
            "late": bool(data["late"]),
            "photos": len(data.get("photos", [])),
        }
    elif event.type == RECTIFICATION_VERIFIED:
        doc["verification"] = {
            "closed_on": data["closed_on"],
            "on_time": bool(data["on_time"]),
            "was_overdue": bool(data["was_overdue"]),
            "comment": data.get("comment"),
        }
    elif event.type == RECTIFICATION_REOPENED:
        # A set keyed by the event's version, so a redelivery adds nothing.
        reopening = {
            "version": event.aggregate_version,
            "reasons": list(data["reasons"]),
            "previous_deadline": data["previous_deadline"],
            "deadline": data["deadline"],
        }
        others = [r for r in doc["reopenings"] if r["version"] != event.aggregate_version]
        doc["reopenings"] = sorted([*others, reopening], key=lambda r: int(r["version"]))


# ---- problems ------------------------------------------------------------------
def new_problem(event: Envelope) -> Doc:
    doc = base_doc(str(event.data["problem_id"]))
    doc.update(
        status=ProblemStatus.OPEN.value,
        resolved=False,
        visit_id=None,
        year=event.data["year"],
        description="",
        registered_on=None,
        measures=[],
        resolution=None,
        resolved_on=None,
    )
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
        doc["description"] = data["description"]
    if data.get("registered_on") is not None:
        doc["registered_on"] = data["registered_on"]
    if "measures" in data and newer(doc, "measures_version", event):
        doc["measures"] = list(data["measures"])
    if event.type == PROBLEM_RESOLVED:
        doc["resolution"] = data["resolution"]
        doc["resolved_on"] = data["resolved_on"]
    resolved = ProblemStatus.RESOLVED.value
    status = resolved if event.type == PROBLEM_RESOLVED else data.get("status")
    if status is not None and newer(doc, "status_version", event):
        doc["status"] = status
    doc["resolved"] = doc["status"] == resolved
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
            visitor=data["visitor"],
            visitor_role=data["visitor_role"],
            team=list(data["team"]),
            notes=data.get("notes"),
            # Stationed contact: each household's kind and pseudonymous ref (the visit
            # rate counts distinct refs), and who of the roster visited.
            households=[
                {"kind": h["kind"], "ref": h.get("ref")} for h in data.get("households") or []
            ],
            person_id=data.get("person_id"),
            position=data.get("position"),
        )
    track(doc, event)
