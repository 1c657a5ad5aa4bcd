"""Assessment events -> the assessments and model-case library read models."""

from __future__ import annotations

from lingban_reporting.assessment import state as s
from lingban_reporting.read_models.entities import EntityProjection
from lingban_reporting.read_models.generations import ASSESSMENTS, MODEL_CASES


def assessment_projections() -> list[EntityProjection]:
    return [
        EntityProjection(
            base=ASSESSMENTS,
            event_types=s.ASSESSMENT_EVENTS,
            new_doc=s.new_assessment,
            fold=s.fold_assessment,
            key=lambda e: str(e.data["assessment_id"]),
        ),
        EntityProjection(
            base=MODEL_CASES,
            event_types=s.CASE_EVENTS,
            new_doc=s.new_case,
            fold=s.fold_case,
            key=lambda e: str(e.data["case_id"]),
        ),
    ]
