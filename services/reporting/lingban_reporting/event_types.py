"""Every event type the reporting read models consume (the contract's `receives`)."""

from __future__ import annotations

from lingban_kit import divisions
from lingban_reporting.assessment.projection import assessment_projections
from lingban_reporting.dispatch.projection import dispatch_projections
from lingban_reporting.notifications.projection import notification_projections
from lingban_reporting.projects import state
from lingban_reporting.stationing.projection import stationing_projections
from lingban_reporting.supervision.projection import supervision_projections


def consumed_event_types() -> tuple[str, ...]:
    # The division tree's changes keep this service's copy current (lingban_kit.divisions).
    types = [*state.EVENT_TYPES, *divisions.EVENT_TYPES]
    for projection in (
        *supervision_projections(),
        *notification_projections(),
        *dispatch_projections(),
        *stationing_projections(),
        *assessment_projections(),
    ):
        types.extend(projection.event_types)
    return tuple(sorted(set(types)))
