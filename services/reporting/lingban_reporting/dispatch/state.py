"""One document per dispatch meeting and per assigned task (pure folds).

Every task event carries the task's unit, assigner, year, content and current
deadline, so any event can start the document. The status and the deadline are
guarded per field by the aggregate version (the newest event decides), and the
deadlines flagged overdue only accumulate: any order and any repetition of the
events give the same document.
"""

from __future__ import annotations

from typing import Any

from lingban_contracts import Envelope
from lingban_contracts.events import dispatch as dev
from lingban_contracts.events.dispatch import TaskStatus
from lingban_contracts.registry import event_type
from lingban_reporting.read_models.tracking import base_doc, newer, track

Doc = dict[str, Any]

HELD = event_type(dev.DispatchMeetingHeld)
MEETING_EVENTS = (HELD,)

ASSIGNED = event_type(dev.TaskAssigned)
REPORTED = event_type(dev.TaskReported)
CLOSED = event_type(dev.TaskClosed)
RETURNED = event_type(dev.TaskReturned)
OVERDUE = event_type(dev.TaskOverdue)
TASK_EVENTS = (ASSIGNED, REPORTED, CLOSED, RETURNED, OVERDUE)
# The status each event leaves the task in (the overdue flag leaves it alone).
STATUS_AFTER = {
    ASSIGNED: TaskStatus.ASSIGNED,
    REPORTED: TaskStatus.REPORTED,
    CLOSED: TaskStatus.CLOSED,
    RETURNED: TaskStatus.ASSIGNED,
}


# ---- meetings ------------------------------------------------------------------------
def new_meeting(event: Envelope) -> Doc:
    data = event.data
    doc = base_doc(str(data["meeting_id"]))
    # `unit_code` / `township_code` as in every read model: the region filters use them.
    doc.update(
        unit_code=data["region_code"],
        township_code=data.get("township_code"),
        year=data["year"],
        month=data["month"],
    )
    return doc


def fold_meeting(doc: Doc, event: Envelope) -> None:
    data = event.data
    if event.type == HELD:
        doc.update(
            level=data["level"],
            period=data["period"],
            held_on=str(data["held_on"]),
            attending_units=sorted(data.get("attending_units", [])),
            projects_reviewed=len(data.get("projects_reviewed", [])),
            problems_raised=len(data.get("problems_raised", [])),
        )
    track(doc, event)


# ---- tasks ---------------------------------------------------------------------------
def new_task(event: Envelope) -> Doc:
    data = event.data
    doc = base_doc(str(data["task_id"]))
    doc.update(
        unit_code=data["unit_code"],
        township_code=data.get("township_code"),
        # A city member department's task (成员单位); its unit is the city.
        department=data.get("department"),
        assigner_code=data["assigner_code"],
        meeting_id=data.get("meeting_id"),
        year=data["year"],
        content=data["content"],
        deadline=str(data["deadline"]),
        status=TaskStatus.ASSIGNED.value,
        overdue_deadlines=[],
        reported_late=False,
        closed_on=None,
        closed_on_time=None,
        overdue=False,
    )
    return doc


def fold_task(doc: Doc, event: Envelope) -> None:
    data = event.data
    name = event.type
    if newer(doc, "deadline_v", event):
        doc["deadline"] = str(data["deadline"])
    if name in STATUS_AFTER and newer(doc, "status_v", event):
        doc["status"] = STATUS_AFTER[name].value
    if name == ASSIGNED:
        doc["assigned_on"] = str(data["assigned_on"])
        doc["source"] = data["source"]
    elif name == REPORTED and newer(doc, "report_v", event):
        doc["reported_on"] = str(data["reported_on"])
        doc["reported_late"] = bool(data["late"])
    elif name == CLOSED:
        doc["closed_on"] = str(data["closed_on"])
        doc["closed_on_time"] = bool(data["on_time"])
    elif name == OVERDUE:
        doc["overdue_deadlines"] = sorted({*doc["overdue_deadlines"], str(data["deadline"])})
    # Overdue now: flagged for the current deadline and not struck off yet.
    doc["overdue"] = (
        doc["status"] != TaskStatus.CLOSED.value and doc["deadline"] in doc["overdue_deadlines"]
    )
    track(doc, event)
