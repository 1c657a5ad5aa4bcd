"""Supervision events -> inspections, rectifications, problems and visits read models."""

from __future__ import annotations

from lingban_reporting.read_models.entities import EntityProjection
from lingban_reporting.read_models.generations import INSPECTIONS, PROBLEMS, RECTIFICATIONS, VISITS
from lingban_reporting.supervision import state as s


def supervision_projections() -> list[EntityProjection]:
    return [
        EntityProjection(
            base=INSPECTIONS,
            event_types=s.INSPECTION_EVENTS,
            new_doc=s.new_inspection,
            fold=s.fold_inspection,
            key=lambda e: str(e.data["inspection_id"]),
        ),
        EntityProjection(
            base=RECTIFICATIONS,
            event_types=s.RECTIFICATION_EVENTS,
            new_doc=s.new_rectification,
            fold=s.fold_rectification,
            key=lambda e: str(e.data["rectification_id"]),
        ),
        EntityProjection(
            base=PROBLEMS,
            event_types=s.PROBLEM_EVENTS,
            new_doc=s.new_problem,
            fold=s.fold_problem,
            key=lambda e: str(e.data["problem_id"]),
        ),
        EntityProjection(
            base=VISITS,
            event_types=s.VISIT_EVENTS,
            new_doc=s.new_visit,
            fold=s.fold_visit,
            key=lambda e: str(e.data["visit_id"]),
        ),
    ]
