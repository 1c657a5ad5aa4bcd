"""Stationing events -> the rosters and stationed months read models.

Their figures are counted when asked (`reads.py`, `figures.py`) from these documents
and the visits read model: a township has a few dozen stationed people, so these
projections stay out of the figure book and `apply` reports only the documents written.
"""

from __future__ import annotations

from collections.abc import Sequence

from lingban_contracts import Envelope
from lingban_reporting.read_models.entities import Applied, EntityProjection
from lingban_reporting.read_models.generations import (
    STATIONED_MONTHS,
    STATIONING_ROSTERS,
    ReadModels,
)
from lingban_reporting.stationing import state


class StationingProjection(EntityProjection):
    """An entity projection whose documents add nothing to the figure book."""

    async def apply(self, models: ReadModels, events: Sequence[Envelope]) -> Applied:
        applied = await super().apply(models, events)
        return Applied(changed=applied.changed)


def stationing_projections() -> list[EntityProjection]:
    return [
        StationingProjection(
            base=STATIONING_ROSTERS,
            event_types=state.ROSTER_EVENTS,
            new_doc=state.new_roster,
            fold=state.fold_roster,
            key=lambda e: str(e.data["roster_id"]),
        ),
        StationingProjection(
            base=STATIONED_MONTHS,
            event_types=state.MONTH_EVENTS,
            new_doc=state.new_month,
            fold=state.fold_month,
            key=lambda e: str(e.data["record_id"]),
        ),
    ]
