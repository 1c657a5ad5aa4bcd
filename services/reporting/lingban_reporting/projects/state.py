"""A project's read-model document folded from its events (pure: no driver imports).

The fold is idempotent and order-independent, so duplicated, late and
shuffled deliveries all converge on the same document:
- fields that an event *replaces* (status, the declaration form, the
  evaluation) carry the version of the event that set them and are only
  replaced by a newer one (a per-field aggregate version guard);
- facts that only accumulate (stages struck off, stages flagged overdue,
  weekly reports, versions seen) are sets, so applying one twice is a no-op
  (the weeks and the versions are stored packed in one string each);
- derived figures (stages done, overdue months, ...) are recomputed from
  those sets after every fold, never incremented.
- objections and change requests are maps by their id, each event setting
  its own keys (raised vs resolved, requested vs decided), so either may
  arrive first; a stage's latest report is kept per month with its version.
- the unit is the newest event's (every event names it): after a merge's
  transfer (村并村) the project is the successor's, whatever order the events
  come in; the units it came from are kept (`transferred_from`).

Lagging (滞后) is decided by `lingban_contracts.statuses.stage_lagging`, the
rule the projects service shows on its stages: not done, and flagged overdue
or last reported partly or blocked. A withdrawn project has no live plan, so
nothing of it is overdue or lagging.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from lingban_contracts import Envelope
from lingban_contracts.events import projects as ev
from lingban_contracts.registry import event_type
from lingban_contracts.statuses import (
    PROJECT_STATUS_ZH,
    ProjectKind,
    ProjectStatus,
    stage_lagging,
)
from lingban_reporting.read_models.packed import pack, unpack
from lingban_reporting.read_models.tracking import track

DECLARED = event_type(ev.ProjectDeclared)
REVISED = event_type(ev.ProjectRevised)
SUBMITTED = event_type(ev.ProjectSubmitted)
RETURNED = event_type(ev.ProjectReturned)
APPROVED = event_type(ev.ProjectApproved)
FILED = event_type(ev.ProjectFiled)
ANNOUNCED = event_type(ev.ProjectAnnounced)
EXECUTION_STARTED = event_type(ev.ProjectExecutionStarted)
STAGE_REPORTED = event_type(ev.StageReported)
STAGE_COMPLETED = event_type(ev.StageCompleted)
STAGE_OVERDUE = event_type(ev.StageOverdue)
WEEKLY_REPORT = event_type(ev.WeeklyReportSubmitted)
COMPLETION_REQUESTED = event_type(ev.CompletionRequested)
COMPLETION_ACCEPTED = event_type(ev.CompletionAccepted)
COMPLETION_REJECTED = event_type(ev.CompletionRejected)
EVALUATED = event_type(ev.ProjectEvaluated)
OBJECTION_RAISED = event_type(ev.ObjectionRaised)
OBJECTION_UPHELD = event_type(ev.ObjectionUpheld)
OBJECTION_DISMISSED = event_type(ev.ObjectionDismissed)
CHANGE_REQUESTED = event_type(ev.ChangeRequested)
CHANGE_REJECTED = event_type(ev.ChangeRejected)
CHANGE_APPROVED = event_type(ev.ChangeApproved)
WITHDRAWN = event_type(ev.ProjectWithdrawn)
# 村并村: the project moved to the unit its unit was merged into.
TRANSFERRED = event_type(ev.ProjectUnitTransferred)

# The status each event leaves the project in (events not listed leave it alone).
STATUS_AFTER = {
    DECLARED: ProjectStatus.DRAFT,
    REVISED: ProjectStatus.DRAFT,
    SUBMITTED: ProjectStatus.SUBMITTED,
    RETURNED: ProjectStatus.RETURNED,
    APPROVED: ProjectStatus.APPROVED,
    FILED: ProjectStatus.FILED,
    ANNOUNCED: ProjectStatus.ANNOUNCED,
    EXECUTION_STARTED: ProjectStatus.IN_EXECUTION,
    COMPLETION_REQUESTED: ProjectStatus.COMPLETION_REQUESTED,
    COMPLETION_ACCEPTED: ProjectStatus.COMPLETED,
    COMPLETION_REJECTED: ProjectStatus.IN_EXECUTION,
    EVALUATED: ProjectStatus.EVALUATED,
    OBJECTION_UPHELD: ProjectStatus.RETURNED,
    WITHDRAWN: ProjectStatus.WITHDRAWN,
}
EVENT_TYPES = (
    *STATUS_AFTER,
    STAGE_REPORTED,
    STAGE_COMPLETED,
    STAGE_OVERDUE,
    WEEKLY_REPORT,
    OBJECTION_RAISED,
    OBJECTION_DISMISSED,
    CHANGE_REQUESTED,
    CHANGE_REJECTED,
    CHANGE_APPROVED,
    TRANSFERRED,
)
# How each decision event leaves a change or withdrawal request.
DECISION_OF = {CHANGE_REJECTED: "rejected", CHANGE_APPROVED: "approved", WITHDRAWN: "approved"}

STATUS_ZH: dict[str, str] = {str(k): v for k, v in PROJECT_STATUS_ZH.items()}

Doc = dict[str, Any]


def _months(stage_tasks: list[dict[str, Any]]) -> list[str]:
    return sorted({str(t["month"]) for t in stage_tasks})


# What the printed declaration form (申报表) shows besides title and category.
# Lists of small documents stored packed (`read_models/packed.py`): read here only.
PACKED_LISTS = ("last_reports",)
FORM_FIELDS = (
    "problem",
    "expected_goals",
    "evaluation_criteria",
    "lead_secretary",
    "task_force",
    "deadline",
    "responsibility_statement",
    "topic_source",
    "stage_tasks",
    "pre_approval_steps",
    "attachments",  # file references (name, type, size …), never the bytes
)


def _set_form(doc: Doc, version: int, form: dict[str, Any]) -> None:
    if version > doc.get("form_version", 0):
        doc["form_version"] = version
        doc["title"] = form["title"]
        doc["category"] = form["category"]
        # Declared before kinds existed: a secretary project.
        doc["kind"] = form.get("kind") or ProjectKind.SECRETARY_PROJECT.value
        doc["form"] = pack({name: form.get(name) for name in FORM_FIELDS})
    _set_plan(doc, version, _months(form["stage_tasks"]), form["lead_secretary"], form["deadline"])


def _set_plan(doc: Doc, version: int, months: list[str], lead: str, deadline: Any) -> None:
    """The plan is also restated when execution starts (a later version)."""
    if version > doc.get("plan_version", 0):
        doc["plan_version"] = version
        doc["stage_months"] = sorted(set(months))
        doc["lead_secretary"] = lead
        doc["deadline"] = str(deadline)


def _add(doc: Doc, key: str, value: Any) -> None:
    values = set(doc.get(key, []))
    values.add(value)
    doc[key] = sorted(values)


def declared_form(doc: Doc) -> dict[str, Any]:
    """The declaration form as last declared (stored packed, `read_models/packed.py`)."""
    form: dict[str, Any] = unpack(doc.get("form")) or {}
    return form


def weeks_reported(doc: Doc) -> set[str]:
    """The ISO weeks with a weekly report. Stored as one sorted, comma-joined string
    (like `seen`, see `read_models/tracking.py`: FerretDB's cost is per field), or an
    array in documents written before that."""
    value = doc.get("weeks") or ""
    return set(value) if isinstance(value, list) else set(value.split(",")) - {""}


def new_doc(event: Envelope, township_code: str | None) -> Doc:
    data = event.data
    return {
        "_id": event.aggregate_id,
        "unit_code": data["unit_code"],
        "unit_version": 0,
        "transferred_from": [],
        "township_code": township_code,
        "year": int(data["year"]),
        "title": "",
        "category": "",
        "kind": ProjectKind.SECRETARY_PROJECT.value,
        "lead_secretary": "",
        "deadline": None,
        "stage_months": [],
        "form_version": 0,
        "plan_version": 0,
        "status": ProjectStatus.DRAFT.value,
        "status_version": 0,
        "done_months": [],
        "flagged_months": [],
        "reported_months": [],
        "last_reports": [],
        "objections": [],
        "change_requests": [],
        "weeks": "",
        "form": None,
        "review": None,
        "review_version": 0,
        "filing_number": None,
        "announcement": None,
        "rating": None,
        "total": None,
        "model_case": False,
        "evaluation_version": 0,
        "completed_at": None,
        "declared_at": None,
        "updated_at": None,
        "version": 0,
        "seen": "",
    }


def fold(doc: Doc, event: Envelope) -> None:
    """Apply one event to the document in place (idempotent, order-independent)."""
    data, version, kind = event.data, event.aggregate_version, event.type
    if version > doc.get("unit_version", 0):
        doc["unit_code"] = data["unit_code"]
        doc["unit_version"] = version
    if kind == TRANSFERRED:
        _add(doc, "transferred_from", data["from_unit"])
    if kind == DECLARED:
        _set_form(doc, version, data)
        doc["declared_at"] = event.time
    elif kind == REVISED:
        _set_form(doc, version, data["form"])
    elif kind == EXECUTION_STARTED:
        _set_plan(doc, version, data["stage_months"], data["lead_secretary"], data["deadline"])
    elif kind == STAGE_COMPLETED:
        _add(doc, "done_months", data["month"])
    elif kind == STAGE_OVERDUE:
        _add(doc, "flagged_months", data["month"])
    elif kind == STAGE_REPORTED:
        _add(doc, "reported_months", data["month"])
        last = _items(doc, "last_reports", "month").get(data["month"])
        if last is None or version > last["version"]:
            _merge(
                doc, "last_reports", data["month"], "month", version=version, status=data["status"]
            )
    elif kind == OBJECTION_RAISED:
        # Not the text: the read model is read by leaders too (public view, LB-14).
        _merge(
            doc,
            "objections",
            data["objection_id"],
            raised_at=event.time,
            received_offline=data["received_offline"],
        )
    elif kind in (OBJECTION_UPHELD, OBJECTION_DISMISSED):
        outcome = "upheld" if kind == OBJECTION_UPHELD else "dismissed"
        _merge(doc, "objections", data["objection_id"], outcome=outcome, resolved_at=event.time)
    elif kind == CHANGE_REQUESTED:
        _merge(
            doc,
            "change_requests",
            data["request_id"],
            kind=data["kind"],
            reason=data["reason"],
            requested_at=event.time,
        )
    elif kind == CHANGE_APPROVED:
        _set_form(doc, version, data["form"])
    elif kind == WEEKLY_REPORT:
        weeks = weeks_reported(doc)
        if data["week"] not in weeks:
            doc["weeks"] = ",".join(sorted({*weeks, data["week"]}))
    elif kind == COMPLETION_ACCEPTED:
        # Accepted is final (only evaluation follows), so the first time is the time.
        if doc.get("completed_at") is None or event.time < doc["completed_at"]:
            doc["completed_at"] = event.time
    elif kind in (APPROVED, RETURNED) and version > doc.get("review_version", 0):
        # The latest review (研判) wins: a return, then an approval of the re-declaration.
        doc["review_version"] = version
        doc["review"] = {
            "outcome": STATUS_AFTER[kind].value,
            "revision": data["revision"],
            "scores": data["scores"],
            "comment": data.get("comment"),
            "reasons": data.get("reasons", []),
            "criteria": data.get("criteria", []),
            "on": event.time,
        }
    elif kind == FILED:
        doc["filing_number"] = data["filing_number"]  # filed once: one number
    elif kind == ANNOUNCED and version > doc.get("announcement_version", 0):
        # Announced again after an upheld objection and a re-declaration: the latest.
        doc["announcement_version"] = version
        doc["announcement"] = {"starts_on": data["starts_on"], "ends_on": data["ends_on"]}
    if kind in DECISION_OF:
        decided: Doc = {"decision": DECISION_OF[kind], "decided_at": event.time}
        if kind == WITHDRAWN:
            decided["kind"] = ev.ChangeKind.WITHDRAWAL.value
            doc["withdrawal_reason"] = data["reason"]
        _merge(doc, "change_requests", data["request_id"], **decided)
    if kind == EVALUATED and version > doc.get("evaluation_version", 0):
        doc["evaluation_version"] = version
        doc["rating"] = data["rating"]
        doc["total"] = data["total"]
        doc["model_case"] = bool(data["model_case"])
    status = STATUS_AFTER.get(kind)
    if status is not None and version > doc.get("status_version", 0):
        doc["status"] = status.value
        doc["status_version"] = version
    track(doc, event)
    _derive(doc)


def _items(doc: Doc, key: str, id_key: str = "id") -> dict[str, Doc]:
    return {str(item[id_key]): item for item in unpack(doc.get(key)) or []}


def _merge(doc: Doc, key: str, item_id: str, id_key: str = "id", **fields: Any) -> None:
    """Set fields of one item of a list kept sorted by id. Lists of small documents,
    not maps: FerretDB 1.24 may take a `$set` of an embedded document whose keys
    changed for no change (docs/reporting.md). Copies, never mutates: the cached
    document the fold started from must stay as it was (a changed copy is written)."""
    items = _items(doc, key, id_key)
    items[item_id] = {**items.get(item_id, {id_key: item_id}), **fields}
    merged = [items[i] for i in sorted(items)]
    doc[key] = pack(merged) if key in PACKED_LISTS else merged


def _derive(doc: Doc) -> None:
    done = set(doc["done_months"])
    flagged = set(doc["flagged_months"])
    last = {m: r["status"] for m, r in _items(doc, "last_reports", "month").items()}
    live = doc["status"] != ProjectStatus.WITHDRAWN.value
    overdue = sorted(flagged - done) if live else []
    lagging = sorted(
        m
        for m in flagged | set(last)
        if live
        and stage_lagging(done=m in done, flagged_overdue=m in flagged, last_report=last.get(m))
    )
    doc["stages_total"] = len(doc["stage_months"])
    doc["stages_done"] = len(done.intersection(doc["stage_months"]) or done)
    doc["overdue_months"] = overdue
    doc["overdue_stages"] = len(overdue)
    doc["overdue"] = bool(overdue)
    doc["lagging_months"] = lagging
    doc["lagging_stages"] = len(lagging)
    doc["lagging"] = bool(lagging)
    doc["withdrawn"] = not live
    doc["objections_open"] = sum(1 for o in doc.get("objections") or [] if "outcome" not in o)
    doc["completed"] = doc.get("completed_at") is not None


def as_of(doc: Doc) -> datetime | None:
    value = doc.get("updated_at")
    return value if isinstance(value, datetime) else None
