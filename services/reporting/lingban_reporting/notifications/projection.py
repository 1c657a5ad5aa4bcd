"""Notification events -> one document per notification (sent / acknowledged).

Filled in once the notifications service's contracts are in `lingban_contracts`.
"""

from __future__ import annotations

from lingban_reporting.read_models.entities import EntityProjection


def notification_projections() -> list[EntityProjection]:
    return []
