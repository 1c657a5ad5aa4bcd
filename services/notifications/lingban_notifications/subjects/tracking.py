"""Project events -> `reminder_subjects`: what each project owes, and when.

One document per project, updated with a version guard, so a redelivered or
stale event changes nothing. The scheduler evaluates the rules on these: it
reads the projects filed under the moments since its last tick (`due_at`; an
applied event files its project under the start of the day it is applied on,
see `scheduling/due.py`), and on a full sweep the live ones by `status`
equality, both served by the indexes below.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, time
from typing import Any

from lingban_contracts import Envelope
from lingban_contracts.events import projects as ev
from lingban_contracts.registry import event_type
from lingban_contracts.statuses import ProjectStatus
from lingban_kit.clock import LOCAL_ZONE, Clock
from lingban_kit.mongo import Database, apply_if_newer

SUBJECTS = "reminder_subjects"
# The local moment (`YYYY-MM-DDTHH:MM`) from which the scheduler looks at a subject
# again (`scheduling/due.py`).
DUE_AT = "due_at"


def due_slot(day: date, at: time) -> str:
    return f"{day.isoformat()}T{at.strftime('%H:%M')}"


Projection = Callable[[Envelope], Awaitable[None]]


def _stages(tasks: list[ev.StageTask]) -> dict[str, Any]:
    stages: dict[str, Any] = {}
    for t in tasks:
        stage = stages.setdefault(t.month, {"tasks": [], "reported": False, "completed": False})
        stage["tasks"].append(
            {"task": t.task, "owner": t.owner or "", "deliverable": t.deliverable}
        )
    return stages


def _local_day(event: Envelope) -> str:
    return event.time.astimezone(LOCAL_ZONE).date().isoformat()


def _declaration(form: ev.DeclarationForm | ev.ProjectDeclared) -> dict[str, Any]:
    return {
        "title": form.title,
        "lead_secretary": form.lead_secretary,
        "task_force": list(form.task_force),
        "deadline": form.deadline.isoformat(),
        "stages": _stages(list(form.stage_tasks)),
    }


S = ProjectStatus
# The status a project event leaves the subject in (events not listed leave it alone).
STATUS_AFTER: dict[str, ProjectStatus] = {
    event_type(ev.ProjectReturned): S.RETURNED,
    event_type(ev.ProjectApproved): S.APPROVED,
    event_type(ev.ProjectFiled): S.FILED,
    event_type(ev.ProjectAnnounced): S.ANNOUNCED,
    event_type(ev.CompletionRequested): S.COMPLETION_REQUESTED,
    event_type(ev.CompletionAccepted): S.COMPLETED,
    event_type(ev.CompletionRejected): S.IN_EXECUTION,
    event_type(ev.ProjectEvaluated): S.EVALUATED,
    event_type(ev.ObjectionUpheld): S.RETURNED,
    event_type(ev.ProjectWithdrawn): S.WITHDRAWN,
}


def _update(event: Envelope) -> dict[str, Any]:
    """The `$set`/`$addToSet` a project event makes to its subject document."""
    t = event.type
    d = event.data
    sets: dict[str, Any] = {"unit_code": d["unit_code"], "year": d["year"]}
    if t == event_type(ev.ProjectDeclared):
        sets |= _declaration(ev.ProjectDeclared.model_validate(d)) | {"status": S.DRAFT.value}
    elif t == event_type(ev.ProjectRevised):
        sets |= _declaration(ev.ProjectRevised.model_validate(d).form) | {"status": S.DRAFT.value}
    elif t == event_type(ev.ProjectSubmitted):
        sets |= {
            "status": S.SUBMITTED.value,
            "submitted_on": _local_day(event),
            "reviewer_unit": d["reviewer_unit"],
            "revision": d["revision"],
        }
    elif t in STATUS_AFTER:
        sets["status"] = STATUS_AFTER[t].value
    elif t == event_type(ev.ProjectExecutionStarted):
        sets |= {"status": S.IN_EXECUTION.value, "execution_started_on": _local_day(event)}
    elif t == event_type(ev.StageReported):
        sets[f"stages.{d['month']}.reported"] = True
    elif t == event_type(ev.StageCompleted):
        sets[f"stages.{d['month']}.completed"] = True
    elif t == event_type(ev.WeeklyReportSubmitted):
        return {"$set": sets, "$addToSet": {"weeks": d["week"]}}
    elif t == event_type(ev.ChangeApproved):
        return _changed_plan(ev.ChangeApproved.model_validate(d), sets)
    # Anything else (stage-overdue …) changes nothing here but the version; a
    # project-unit-transferred (村并村) changes `unit_code` above, so the successor's
    # contacts are reminded from then on.
    return {"$set": sets}


def _changed_plan(change: ev.ChangeApproved, sets: dict[str, Any]) -> dict[str, Any]:
    """An approved change (变更): the new plan's tasks per month, keeping what each month
    was reported and completed; months the plan dropped are removed."""
    whole = _declaration(change.form)
    stages = whole.pop("stages")
    sets |= whole
    for month, stage in stages.items():
        sets[f"stages.{month}.tasks"] = stage["tasks"]
    update: dict[str, Any] = {"$set": sets}
    if change.removed_months:
        update["$unset"] = {f"stages.{m}": "" for m in change.removed_months}
    return update


async def ensure_subject_indexes(db: Database) -> None:
    await db[SUBJECTS].create_index("status")
    await db[SUBJECTS].create_index(DUE_AT)


def project_projection(db: Database, clock: Clock | None = None) -> Projection:
    subjects = db[SUBJECTS]
    clock = clock or Clock()

    async def apply(event: Envelope) -> None:
        update = _update(event)
        # Changed: the next tick evaluates it (and files it under its next due day).
        today = clock.now().astimezone(LOCAL_ZONE).date()
        update["$set"] = {**update["$set"], DUE_AT: due_slot(today, time(0, 0))}
        await apply_if_newer(subjects, event.aggregate_id, event.aggregate_version, update)

    return apply


def days_since(day: str | None, today: date) -> int | None:
    return (today - date.fromisoformat(day)).days if day else None
