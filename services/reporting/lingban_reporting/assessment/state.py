"""Assessment and model-case read-model documents folded from their events (pure).

Same rules as the other folds: replaced fields carry a per-field version guard,
accumulating facts are keyed (by adjustment, talk or event version), so any
order and any repetition of the events gives the same documents.
- assessment (key `assessment_id`, `<city>-<year>`): the scheme, the draft's
  adjustments and list changes, then the frozen scores, ranks, praise and 约谈
  lists, and the talks held;
- model case (key `case_id`): kind, unit, title, summary, status, publication.
"""

from __future__ import annotations

from typing import Any

from lingban_contracts import Envelope
from lingban_contracts.events import assessment as ev
from lingban_contracts.events.assessment import AssessmentStatus, ModelCaseStatus
from lingban_contracts.registry import event_type
from lingban_kit.regions import REGION_PATH, region_path
from lingban_reporting.read_models.tracking import base_doc, newer, track

SCHEME_SET = event_type(ev.AssessmentSchemeSet)
ADJUSTED = event_type(ev.AssessmentAdjusted)
LIST_CHANGED = event_type(ev.AssessmentListChanged)
FINALIZED = event_type(ev.AssessmentFinalized)
TALK_RECORDED = event_type(ev.AdmonitionTalkRecorded)
CASE_NOMINATED = event_type(ev.ModelCaseNominated)
CASE_PUBLISHED = event_type(ev.ModelCasePublished)
CASE_WITHDRAWN = event_type(ev.ModelCaseWithdrawn)

ASSESSMENT_EVENTS = (SCHEME_SET, ADJUSTED, LIST_CHANGED, FINALIZED, TALK_RECORDED)
CASE_EVENTS = (CASE_NOMINATED, CASE_PUBLISHED, CASE_WITHDRAWN)
CASE_STATUS = {
    CASE_NOMINATED: ModelCaseStatus.NOMINATED.value,
    CASE_PUBLISHED: ModelCaseStatus.PUBLISHED.value,
    CASE_WITHDRAWN: ModelCaseStatus.WITHDRAWN.value,
}

Doc = dict[str, Any]


# ---- assessments ----------------------------------------------------------------
def new_assessment(event: Envelope) -> Doc:
    doc = base_doc(str(event.data["assessment_id"]))
    doc.update(
        region_code=event.data["region_code"],
        year=event.data["year"],
        status=AssessmentStatus.DRAFT.value,
        scheme=None,
        adjustments={},
        list_changes={},
        finalized_at=None,
        scores=[],
        praise=[],
        talks=[],
        talks_held={},
    )
    return doc


def fold_assessment(doc: Doc, event: Envelope) -> None:
    data = event.data
    if event.type == SCHEME_SET and newer(doc, "scheme_version", event):
        doc["scheme"] = data["scheme"]
    elif event.type == ADJUSTED:
        doc["adjustments"] = {
            **doc["adjustments"],
            data["adjustment_id"]: {
                "unit_code": data["unit_code"],
                "points": data["points"],
                "reason": data["reason"],
                "at": event.time,
            },
        }
    elif event.type == LIST_CHANGED:
        # Keyed by version (document keys are strings): the order they were made in.
        doc["list_changes"] = {
            **doc["list_changes"],
            f"{event.aggregate_version:08d}": {
                "unit_code": data["unit_code"],
                "list": data["list"],
                "action": data["action"],
                "reason": data["reason"],
                "at": event.time,
            },
        }
    elif event.type == FINALIZED and newer(doc, "final_version", event):
        doc.update(
            status=AssessmentStatus.FINALIZED.value,
            finalized_at=event.time,
            scheme=data["scheme"],
            scores=data["scores"],
            praise=data["praise"],
            talks=data["talks"],
        )
    elif event.type == TALK_RECORDED:
        doc["talks_held"] = {
            **doc["talks_held"],
            data["talk_id"]: {
                "unit_code": data["unit_code"],
                "held_on": str(data["held_on"]),
                "held_by": data["held_by"],
                "attendees": list(data["attendees"]),
            },
        }
    track(doc, event)


# ---- model cases ------------------------------------------------------------------
def new_case(event: Envelope) -> Doc:
    doc = base_doc(str(event.data["case_id"]))
    unit = str(event.data["unit_code"])
    doc.update(
        unit_code=unit,
        year=event.data["year"],
        kind=None,
        project_id=None,
        title="",
        summary="",
        status=ModelCaseStatus.NOMINATED.value,
        published_on=None,
    )
    doc[REGION_PATH] = region_path(unit)
    return doc


def fold_case(doc: Doc, event: Envelope) -> None:
    data = event.data
    if "title" in data and newer(doc, "content_version", event):
        doc.update(
            kind=data["kind"],
            project_id=data.get("project_id"),
            title=data["title"],
            summary=data["summary"],
        )
    if event.type == CASE_PUBLISHED:
        doc["published_on"] = str(data["published_on"])
    if newer(doc, "status_version", event):
        doc["status"] = CASE_STATUS[event.type]
    track(doc, event)
