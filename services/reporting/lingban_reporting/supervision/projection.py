"""Supervision events -> inspections, rectifications, problems and visits read models.

The supervision service's event contracts are not in `lingban_contracts` yet
(issue 4). Until they are, this returns no projections, so the supervision
figures read empty collections and are 0 (see `supervision/figures.py`, which
already computes every figure from the per-entity documents described there).
"""

from __future__ import annotations

from lingban_reporting.read_models.entities import EntityProjection


def supervision_projections() -> list[EntityProjection]:
    return []
