"""What every supervision aggregate shares: a version and the events it records.

Pure (no framework or driver imports). A domain method changes the state and
records the event it causes; the store writes both in one document write.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from lingban_contracts import Actor, Envelope, new_envelope
from lingban_contracts.base import EventData
from lingban_contracts.divisions import DivisionTree, Level

SERVICE = "supervision"
SYSTEM_ACTOR = Actor(id="system:supervision-checks", name="定时任务")


@dataclass(frozen=True)
class HistoryEntry:
    version: int
    event_type: str
    by: Actor
    at: datetime


@dataclass(kw_only=True)
class Aggregate:
    id: str
    version: int = 0
    history: list[HistoryEntry] = field(default_factory=list)
    pending_events: list[Envelope] = field(default_factory=list)
    correlation_id: str | None = None

    def record(self, data: EventData, actor: Actor, now: datetime, region_code: str) -> None:
        self.version += 1
        envelope = new_envelope(
            data=data,
            source_service=SERVICE,
            actor=actor,
            region_code=region_code,
            aggregate_id=self.id,
            aggregate_version=self.version,
            correlation_id=self.correlation_id,
            time=now,
        )
        self.pending_events.append(envelope)
        self.history.append(HistoryEntry(self.version, envelope.type, actor, now))

    def query_fields(self) -> dict[str, Any]:
        """Values stored beside the state only so that queries can select them by equality.

        Derived from the state, so the write that changes the state keeps them right.
        """
        return {}


def township_code(tree: DivisionTree, unit_code: str) -> str | None:
    """The township a unit belongs to (itself for a township; None for the city)."""
    township = tree.township_of(unit_code)
    if township is not None:
        return township.code
    unit = tree.get(unit_code)
    return unit.code if unit is not None and unit.level is Level.TOWNSHIP else None


def month_of(day: date) -> str:
    return day.strftime("%Y-%m")


def half_month_of(day: date) -> str:
    """`2026-03-H1` for the 1st-15th, `2026-03-H2` after (半月一督导)."""
    return f"{month_of(day)}-H{1 if day.day <= 15 else 2}"
