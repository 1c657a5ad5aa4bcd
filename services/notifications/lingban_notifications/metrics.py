"""Metrics of the notifications service, on the shared registry."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

from lingban_kit.metrics import registry

CREATED = Counter(
    "lingban_notifications_created_total",
    "Notifications created, by rule (each dedupe key once)",
    ["rule"],
    registry=registry,
)
UNLISTED = Counter(
    "lingban_notifications_unlisted_recipients_total",
    "Notifications sent to a unit's role inbox because the unit has no directory entry, by rule",
    ["rule"],
    registry=registry,
)
DELIVERIES = Counter(
    "lingban_notifications_deliveries_total",
    "Delivery attempts by channel and outcome (sent, failed, dead_lettered, deferred, skipped)",
    ["channel", "outcome"],
    registry=registry,
)
LAST_TICK = Gauge(
    "lingban_notifications_scheduler_last_tick_timestamp_seconds",
    "When this replica last evaluated the rules (clock time)",
    registry=registry,
)
