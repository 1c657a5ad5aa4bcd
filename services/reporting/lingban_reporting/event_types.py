"""Every event type the reporting read models consume (the contract's `receives`)."""

from __future__ import annotations

from lingban_reporting.notifications.projection import notification_projections
from lingban_reporting.projects import state
from lingban_reporting.supervision.projection import supervision_projections


def consumed_event_types() -> tuple[str, ...]:
    types = list(state.EVENT_TYPES)
    for projection in (*supervision_projections(), *notification_projections()):
        types.extend(projection.event_types)
    return tuple(sorted(set(types)))
