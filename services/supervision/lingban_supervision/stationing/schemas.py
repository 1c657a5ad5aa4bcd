"""Request and response bodies of stationed contact (驻点联系): rosters and months."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from lingban_contracts.events.stationing import (
    PERSON_ID_PATTERN,
    Assignment,
    Leave,
    PlanItem,
    ResidenceWeek,
    RosterChange,
    RosterChangeKind,
    StationedPosition,
    VillageCounts,
)
from lingban_contracts.regions import RegionCode
from lingban_supervision.schemas import AggregateOut, Out


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RosterIn(_In):
    township_code: RegionCode
    year: int = Field(ge=2000, le=2100)
    assignments: list[Assignment] = Field(max_length=2000)
    villages: list[VillageCounts] = Field(default_factory=list, max_length=500)


class RosterChangeIn(_In):
    """A change during the year: the old assignment ends the day before `effective_from`."""

    kind: RosterChangeKind = Field(description="assigned | reassigned | ended")
    person_id: str = Field(pattern=PERSON_ID_PATTERN)
    effective_from: date
    reason: str | None = Field(default=None, max_length=1000)
    # assigned: all four below; reassigned: those that change
    name: str | None = Field(default=None, min_length=1, max_length=100)
    position: StationedPosition | None = None
    village_code: RegionCode | None = None
    weekday: int | None = Field(default=None, ge=1, le=7)
    contact_id: str | None = Field(default=None, pattern=r"^[a-z-]+:[A-Za-z0-9_.-]+$")

    def fields(self) -> dict[str, object]:
        names = ("name", "position", "village_code", "weekday", "contact_id")
        return {n: getattr(self, n) for n in names if getattr(self, n) is not None}


class VillagesIn(_In):
    villages: list[VillageCounts] = Field(max_length=500)
    reason: str | None = Field(default=None, max_length=1000)


class PlanIn(_In):
    items: list[PlanItem] = Field(max_length=100)


class ResidenceIn(_In):
    days: list[date] = Field(min_length=1, max_length=31)


class LeaveIn(Leave):
    """A leave (请假) inside one month."""


class RosterOut(AggregateOut):
    """A township's stationed-contact roster (驻点名册) for a year."""

    township_code: str
    year: int
    assignments: list[Assignment] = Field(description="Every assignment, ended ones too")
    villages: list[VillageCounts]
    changes: list[RosterChange] = Field(description="Changes during the year, oldest first")
    created_at: datetime


class StationedMonthOut(Out):
    """One stationed person's month: plan, residence (≥ N days) and leave."""

    id: str
    version: int = Field(description="0 while nothing was recorded for the month")
    roster_id: str
    township_code: str
    village_code: str
    person_id: str
    name: str
    position: StationedPosition
    year: int
    month: str
    stationed_days: list[date] = Field(description="Fixed weekly days of the month (驻点日)")
    plan: list[PlanItem]
    planned_days: list[date]
    residence_days: list[date]
    leaves: list[Leave]
    leave_days: list[date]
    excused_days: list[date] = Field(description="Stationed days excused by leave")
    min_residence_days: int
    residence_met: bool = Field(
        description="False: a residence rule is flagged (未达标): the monthly minimum, or a "
        "week below the weekly one"
    )
    min_residence_working_days_per_week: int = Field(
        default=0, description="The weekly rule: working days a week (0: none)"
    )
    residence_weeks: list[ResidenceWeek] = Field(
        default_factory=list,
        description="Each week of the month under the weekly rule: working days, required, "
        "resided (a week is below when resided < required)",
    )
