"""Response bodies of stationed-contact visits (驻点联系) and their monthly figures."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import Field

from lingban_contracts.attachments import Attachment
from lingban_contracts.events.stationing import StationedPosition
from lingban_contracts.events.supervision import (
    HouseholdKind,
    HouseholdVisit,
    ProblemChannel,
    ProblemLevel,
    ProblemSource,
    VisitorRole,
)
from lingban_supervision.schemas import AggregateOut, Out


class OpinionOut(Out):
    """An opinion raised on the visit; it enters the problem list."""

    description: str | None = Field(
        description="Null for individual-level opinions (个人层面) when a leader or "
        "subscriber reads the visit"
    )
    category: str
    level: ProblemLevel
    source: ProblemSource
    channel: ProblemChannel

    def public(self) -> OpinionOut:
        if self.level is ProblemLevel.INDIVIDUAL:
            return self.model_copy(update={"description": None})
        return self


class VisitOut(AggregateOut):
    """A visit log (驻点走访)."""

    unit_code: str = Field(description="The village or community visited")
    township_code: str | None
    year: int
    month: str = Field(examples=["2026-03"])
    visited_on: date
    visitor: str
    visitor_role: VisitorRole
    team: list[str]
    households: list[HouseholdVisit] = Field(
        description="Kind of each household visited; the label (e.g. a house number) is "
        "null when a leader or subscriber reads the visit"
    )
    opinions: list[OpinionOut]
    notes: str | None = Field(description="Null when a leader or subscriber reads the visit")
    logged_at: datetime
    four_must_visits: list[HouseholdKind] = Field(description="四必访 kinds among the households")
    problem_ids: list[str] = Field(description="The problems its opinions register, in order")
    attachments: list[Attachment] = Field(
        description="Photos and records (GET /v1/files/{file_id}); empty when a leader or "
        "subscriber reads the visit"
    )
    person_id: str | None = Field(
        default=None, description="The stationed person of the roster who visited"
    )
    household_refs: list[str | None] = Field(
        default_factory=list,
        description="The pseudonymous key of each household (as in `visit-logged`; null "
        "without a label or a roster); empty on visits logged before rosters",
    )
    position: StationedPosition | None = None
    withheld: bool = Field(
        default=False,
        description="True for leaders and subscribers: they read the public view, without "
        "household labels, individual-level opinions, notes or files",
    )

    def public(self) -> VisitOut:
        """The public view (LB-14): what was done and for whom by kind, not who."""
        return self.model_copy(
            update={
                "households": [HouseholdVisit(kind=h.kind) for h in self.households],
                "opinions": [o.public() for o in self.opinions],
                "notes": None,
                "attachments": [],
                "withheld": True,
            }
        )


class MustVisitFigureOut(Out):
    """One four-must-visit group (四必访): its households and how many visits covered."""

    kind: HouseholdKind
    households: int = Field(description="Households of the group on the roster's village counts")
    covered: int = Field(description="Distinct households of the group visited in the month")
    rate: float = Field(description="covered / households (at most 1), 4 decimals")


class MonthlyFiguresOut(Out):
    """走访率 and 办结率 of one township for one month."""

    township_code: str
    month: str = Field(examples=["2026-03"])
    units: int = Field(description="Villages and communities of the township")
    units_visited: int
    visits: int
    households_visited: int = Field(description="Household visits logged (one household twice: 2)")
    four_must_visit_households: int
    households: int = Field(
        description="Households of the villages on the township's roster (驻点名册 village counts)"
    )
    households_covered: int = Field(
        description="Distinct households visited (labelled ones; each counts once)"
    )
    visit_rate: float = Field(
        description="走访率: households_covered / households (at most 1), 4 decimals. Before "
        "rosters this was units_visited / units, now `village_visit_rate`"
    )
    village_visit_rate: float = Field(
        description="units_visited / units, 4 decimals: villages with at least one visit "
        "(the former `visit_rate`)"
    )
    must_visit: list[MustVisitFigureOut] = Field(description="The visit rate of each 四必访 group")
    problems_raised: int = Field(description="Problems raised on visits")
    problems_resolved: int
    resolution_rate: float = Field(description="problems_resolved / problems_raised, 4 decimals")
