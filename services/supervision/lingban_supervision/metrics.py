"""Prometheus metrics of the supervision service (on the shared registry)."""

from __future__ import annotations

from prometheus_client import Counter

from lingban_kit.metrics import registry

INSPECTIONS_RECORDED = Counter(
    "lingban_supervision_inspections_recorded_total",
    "Inspections recorded, by outcome (passed, failed).",
    ["outcome"],
    registry=registry,
)
RECTIFICATIONS_OVERDUE = Counter(
    "lingban_supervision_rectifications_overdue_total",
    "Rectifications the periodic check found past their deadline (each deadline once).",
    registry=registry,
)
