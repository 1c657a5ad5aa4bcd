"""Payloads of the notifications service, topic `lingban.notifications.notification.v1`
(filled in by issue 5)."""

from __future__ import annotations

from lingban_contracts.base import EventData
from lingban_contracts.topics import NOTIFICATIONS

TOPIC = NOTIFICATIONS

EVENTS: tuple[tuple[str, type[EventData], str], ...] = ()
