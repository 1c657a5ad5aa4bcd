"""Dispatch events -> the meetings and tasks read models.

Their figures (meetings per month, tasks per unit, the closure rate) are counted
when asked (`reads.py`) from these documents — a city holds a dozen meetings and
assigns a few hundred tasks a year — so these projections stay out of the figure
book: `apply` reports the documents written, not their states.
"""

from __future__ import annotations

from collections.abc import Sequence

from lingban_contracts import Envelope
from lingban_reporting.dispatch import state
from lingban_reporting.read_models.entities import Applied, EntityProjection
from lingban_reporting.read_models.generations import (
    DISPATCH_MEETINGS,
    DISPATCH_TASKS,
    ReadModels,
)


class UncountedProjection(EntityProjection):
    """An entity projection whose documents add nothing to the figure book."""

    async def apply(self, models: ReadModels, events: Sequence[Envelope]) -> Applied:
        applied = await super().apply(models, events)
        return Applied(changed=applied.changed)


def dispatch_projections() -> list[EntityProjection]:
    return [
        UncountedProjection(
            base=DISPATCH_MEETINGS,
            event_types=state.MEETING_EVENTS,
            new_doc=state.new_meeting,
            fold=state.fold_meeting,
            key=lambda e: str(e.data["meeting_id"]),
        ),
        UncountedProjection(
            base=DISPATCH_TASKS,
            event_types=state.TASK_EVENTS,
            new_doc=state.new_task,
            fold=state.fold_task,
            key=lambda e: str(e.data["task_id"]),
        ),
    ]
