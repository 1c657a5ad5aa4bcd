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


def project_projection(
    tree: DivisionTree | None = None, layout: Layout | None = None
) -> EntityProjection:
    """`layout`: the projector's, so a division event's `forget` reaches it too."""
    places = layout or Layout(tree or default_tree())

    def new_doc(event: Envelope) -> Doc:
        # The township the project is shown under (from the tree, not from the event).
        return state.new_doc(event, places.township_of(str(event.data["unit_code"])))

    def fold(doc: Doc, event: Envelope) -> None:
        state.fold(doc, event)
        # The unit may have changed (a transfer after a merge, 村并村): its township too.
        doc["township_code"] = places.township_of(str(doc["unit_code"]))

    return EntityProjection(
        base=PROJECTS, event_types=state.EVENT_TYPES, new_doc=new_doc, fold=fold
    )
