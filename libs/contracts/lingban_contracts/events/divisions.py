"""Payloads of the division tree (行政区划), topic `lingban.projects.division.v1`.

The projects service owns the tree. Every payload carries the unit's whole
state after the change (`unit`) and its version, so a consumer keeps a copy
by applying the newest version it has seen, in any order, any number of times;
the event type says what happened, for people and other systems.
"""

from __future__ import annotations

from pydantic import Field

from lingban_contracts.base import EventData
from lingban_contracts.divisions import Level, Unit
from lingban_contracts.regions import RegionCode
from lingban_contracts.topics import DIVISIONS

TOPIC = DIVISIONS


class UnitState(EventData):
    code: RegionCode
    name: str = Field(min_length=1, max_length=100)
    level: Level
    parent: RegionCode | None = Field(description="The unit above; null only for the city.")
    secretary: str = Field(default="", max_length=50, description="The unit's Party secretary.")
    active: bool = Field(default=True, description="False once merged or abolished.")
    merged_into: RegionCode | None = None

    @classmethod
    def of(cls, unit: Unit) -> UnitState:
        return cls(
            code=unit.code,
            name=unit.name,
            level=unit.level,
            parent=unit.parent,
            secretary=unit.secretary,
            active=unit.active,
            merged_into=unit.merged_into,
        )

    def to_unit(self) -> Unit:
        return Unit(
            code=self.code,
            name=self.name,
            level=self.level,
            parent=self.parent,
            secretary=self.secretary,
            active=self.active,
            merged_into=self.merged_into,
        )


class UnitEvent(EventData):
    unit: UnitState
    version: int = Field(ge=1, description="The unit's version after this change.")
    reason: str = Field(default="", max_length=500)


class UnitRegistered(UnitEvent):
    """A new unit in the tree (a new village or community, a new district)."""


class UnitUpdated(UnitEvent):
    changed: list[str] = Field(
        description="The fields that changed: name, secretary, parent (re-assigned)."
    )


class UnitMerged(UnitEvent):
    """The unit was merged into another (村并村、撤并): it leaves the tree."""

    into: RegionCode


EVENTS: tuple[tuple[str, type[EventData], str], ...] = (
    (
        "lingban.projects.unit-registered.v1",
        UnitRegistered,
        "A unit was added to the division tree.",
    ),
    (
        "lingban.projects.unit-updated.v1",
        UnitUpdated,
        "A unit was renamed, got a new secretary, or moved to another parent.",
    ),
    (
        "lingban.projects.unit-merged.v1",
        UnitMerged,
        "A unit was merged into another and left the tree.",
    ),
)
