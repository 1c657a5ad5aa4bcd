"""Project events -> the per-project read model (`rpt_projects_<generation>`).

One document per project, folded from its events by `state.fold` (idempotent
and order-independent), written in bulk with a per-document compare-and-set.
"""

from __future__ import annotations

from lingban_contracts import Envelope
from lingban_contracts.divisions import DivisionTree, default_tree
from lingban_reporting.figures.layout import Layout
from lingban_reporting.projects import state
from lingban_reporting.read_models.entities import Doc, EntityProjection
from lingban_reporting.read_models.generations import PROJECTS


def project_projection(tree: DivisionTree | None = None) -> EntityProjection:
    layout = Layout(tree or default_tree())

    def new_doc(event: Envelope) -> Doc:
        # The township a township-level list finds the project by (an equality).
        return state.new_doc(event, layout.township_of(str(event.data["unit_code"])))

    return EntityProjection(
        base=PROJECTS, event_types=state.EVENT_TYPES, new_doc=new_doc, fold=state.fold
    )
