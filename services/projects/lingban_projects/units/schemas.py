"""Request and response bodies of the division tree's routes."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from lingban_contracts.divisions import Level
from lingban_contracts.regions import RegionCode


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class UnitIn(_In):
    code: RegionCode = Field(description="12-digit statistical division code, inside the parent's")
    name: str = Field(min_length=1, max_length=100)
    level: Level
    parent: RegionCode
    secretary: str = Field(default="", max_length=50)
    reason: str = Field(default="", max_length=500, description="e.g. the approval's document no.")


class UnitPatch(_In):
    """Only the fields given change; at least one must."""

    name: str | None = Field(default=None, min_length=1, max_length=100)
    secretary: str | None = Field(default=None, max_length=50, description="A new secretary")
    parent: RegionCode | None = Field(default=None, description="Move the unit below another")
    reason: str = Field(default="", max_length=500)


class MergeIn(_In):
    into: RegionCode = Field(description="The unit of the same level it becomes part of")
    reason: str = Field(
        min_length=1, max_length=500, description="e.g. the approval's document no."
    )


class UnitImportOut(BaseModel):
    rows: int = Field(ge=0, description="Units read from the sheet")
    registered: int = Field(ge=0, description="New units")
    updated: int = Field(ge=0, description="Units whose name, secretary or parent changed")
    unchanged: int = Field(ge=0)
