"""Payloads of the supervision service, topic `lingban.supervision.v1` (filled in by issue 4)."""

from __future__ import annotations

from lingban_contracts.base import EventData
from lingban_contracts.topics import SUPERVISION

TOPIC = SUPERVISION

EVENTS: tuple[tuple[str, type[EventData], str], ...] = ()
