"""Notification events -> one document per notification (sent / acknowledged)."""

from __future__ import annotations

from lingban_reporting.notifications import state
from lingban_reporting.read_models.entities import EntityProjection
from lingban_reporting.read_models.generations import NOTIFICATIONS


def notification_projections() -> list[EntityProjection]:
    return [
        EntityProjection(
            base=NOTIFICATIONS,
            event_types=state.EVENT_TYPES,
            new_doc=state.new_notification,
            fold=state.fold_notification,
            key=lambda e: str(e.data["notification_id"]),
        )
    ]
