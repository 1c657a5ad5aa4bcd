"""Response bodies of supervision groups and their cadence."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from lingban_contracts.events.supervision import GroupLevel, GroupMember
from lingban_supervision.schemas import AggregateOut, Out


class CompositionOut(Out):
    name: str
    members: list[GroupMember] = Field(
        description="Who is in the group; empty when a leader or subscriber reads it "
        "(they get member_count and the departments)"
    )
    covered_units: list[str] = Field(description="Division codes of the units it supervises")


class GroupOut(AggregateOut):
    """A supervision group (督导组)."""

    region_code: str = Field(description="The city or township the group belongs to")
    level: GroupLevel
    year: int
    composition: CompositionOut
    created_at: datetime
    departments: list[str] = Field(description="The departments the members come from")
    member_count: int = Field(description="How many members the group has")
    withheld: bool = Field(
        default=False,
        description="True for leaders and subscribers: the public view, without member names",
    )

    def public(self) -> GroupOut:
        """The public view (LB-14): how many from which departments, not who."""
        composition = self.composition.model_copy(update={"members": []})
        return self.model_copy(update={"composition": composition, "withheld": True})


class HalfMonthOut(Out):
    half_month: str = Field(examples=["2026-03-H1"])
    planned: int = Field(description="Inspections planned, not recorded yet")
    recorded: int
    on_site_recorded: int


class CadenceOut(Out):
    """半月一督导 and at least `min_on_site` on-site inspections in the month."""

    group_id: str
    month: str = Field(examples=["2026-03"])
    half_months: list[HalfMonthOut]
    on_site_recorded: int
    on_site_planned: int
    min_on_site: int
    on_site_days: int = Field(description="Days on site in the month (multi-day inspections)")
    every_half_month_covered: bool = Field(description="Each half month has an inspection")
    on_site_met: bool = Field(description="Enough on-site inspections recorded")
    on_site_on_track: bool = Field(description="Enough recorded or still planned")
    met: bool = Field(description="Both rules met")
