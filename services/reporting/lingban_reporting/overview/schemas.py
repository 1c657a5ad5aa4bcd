"""HTTP response bodies of the figure API (overview, breakdowns, lists, rankings, freshness).

The report queries build plain dicts (compared with the scratch computations in
the tests); the routes validate them into these models, which the OpenAPI
document publishes. `extra="forbid"`: a figure added to a query but not here
fails the tests instead of being dropped from the answer unseen.

Rates are fractions in [0, 1] rounded to 4 places, `null` when there is
nothing to divide by (no projects, no inspections …).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from lingban_contracts.divisions import Level

RectificationView = Literal["open", "overdue", "closed"]
RankingMetric = Literal["completion_rate", "overdue_rate", "deduction_score"]

Rate = float | None


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class UnitRef(_Out):
    code: str = Field(description="12-digit division code")
    name: str
    level: Level


class UnlistedUnit(_Out):
    """A unit code the division tree does not know (its name and level are unknown)."""

    code: str
    name: Literal[""]
    level: Literal[""]


class CoverageCounts(_Out):
    """Units of the subtree (itself included) with and without a project of the year."""

    units: int
    covered: int
    uncovered: int


class KindCounts(_Out):
    """One kind of project (书记项目 or 书记领办事项) of the subtree."""

    label: str = Field(description="书记项目 / 书记领办事项")
    declared: int
    accepted: int = Field(description="Accepted as complete (cumulative)")
    withdrawn: int


class ProjectKindFigures(_Out):
    """Counts by kind, as the reports give them (e.g. 7 书记项目 + 12 书记领办事项)."""

    secretary_project: KindCounts
    secretary_led_item: KindCounts


class ProjectFigures(_Out):
    """Projects by current status, plus the cumulative figures leaders read."""

    declared: int
    submitted: int
    returned: int
    approved: int = Field(description="Approved, filed or announced")
    in_execution: int
    completion_requested: int
    completed: int
    evaluated: int
    passed_review: int = Field(description="Every project past the approval of the level above")
    accepted: int = Field(description="Accepted as complete (cumulative)")
    overdue_projects: int
    overdue_stages: int
    withdrawn: int = Field(description="Withdrawn mid-year (已撤销); still counted as declared")
    lagging_projects: int = Field(
        description="With a stage lagging (滞后): flagged overdue or last reported partly/blocked"
    )
    lagging_stages: int
    completion_rate: Rate = Field(description="accepted / (declared − withdrawn)")
    by_kind: ProjectKindFigures


class SupervisionFigures(_Out):
    inspections: int
    failed: int
    failure_rate: Rate
    deductions: float = Field(description="Points deducted by inspections")
    rectifications_open: int
    rectifications_closed: int
    rectifications_overdue: int = Field(
        description="Open ones flagged overdue or past their deadline today"
    )
    closure_rate: Rate


class ProblemFigures(_Out):
    total: int
    resolved: int
    resolution_rate: Rate


class VisitFigures(_Out):
    """Stationed contact (驻点联系) over the months of the year so far."""

    visits: int
    visit_rate: Rate = Field(description="(village, month) pairs visited / villages × months")
    problems_raised: int
    problems_resolved: int
    resolution_rate: Rate


class NotificationFigures(_Out):
    sent: int
    acknowledged: int
    acknowledgement_rate: Rate


class OverviewOut(_Out):
    """驾驶舱总览: the figures of a region subtree for a year."""

    year: int
    region: UnitRef
    projects: ProjectFigures
    coverage: CoverageCounts
    supervision: SupervisionFigures
    problems: ProblemFigures
    visits: VisitFigures
    notifications: NotificationFigures
    as_of: datetime | None = Field(description="Time of the newest event the figures include")


class UnitRowOut(_Out):
    """One direct child unit's subtree."""

    unit: UnitRef
    declared: int
    in_execution: int
    completed: int = Field(description="Accepted as complete (cumulative)")
    overdue_projects: int
    overdue_stages: int
    completion_rate: Rate
    overdue_rate: Rate
    deductions: float
    coverage: CoverageCounts


class UnitBreakdownOut(_Out):
    region: UnitRef
    items: list[UnitRowOut]


class CategoryRowOut(_Out):
    category: str
    declared: int
    in_execution: int
    completed: int
    overdue_projects: int


class CategoryBreakdownOut(_Out):
    items: list[CategoryRowOut] = Field(description="Most declared first")


class UncoveredUnitOut(UnitRef):
    parent_name: str | None


class CoverageOut(_Out):
    """申报领办全覆盖: the units of the subtree still without a project of the year."""

    units: int
    covered: int
    uncovered: list[UncoveredUnitOut]


class OverdueStageOut(_Out):
    project_id: str
    title: str
    unit: UnitRef | UnlistedUnit
    month: str = Field(description="YYYY-MM")


class OverdueStagesOut(_Out):
    items: list[OverdueStageOut]


class RectificationOut(_Out):
    id: str
    unit: UnitRef | None = Field(description="null for a unit the division tree does not know")
    project_id: str | None
    title: str
    deadline: str | None = Field(description="ISO date")
    status: RectificationView = Field(
        description="open (整改中 or awaiting verification), overdue, or closed (已销号)"
    )


class RectificationsOut(_Out):
    items: list[RectificationOut] = Field(description="Earliest deadline first")


class RankingOut(_Out):
    rank: int = Field(ge=1)
    unit: UnitRef
    value: float | None = Field(
        description="The ranked metric; null (ranked last) without projects"
    )
    completion_rate: Rate
    overdue_rate: Rate
    deduction_score: float


class RankingsOut(_Out):
    """比学赶超: townships, best first."""

    metric: RankingMetric
    items: list[RankingOut]


class FreshnessOut(_Out):
    applied_events: int = Field(ge=0, description="Distinct events folded into the read models")
    as_of: datetime | None = Field(description="Time of the newest event applied")
