"""HTTP response body of the quarterly bulletin (季度通报) in JSON.

`extra="forbid"` as in `overview/schemas.py`: a column added to the bulletin but
not here fails the tests instead of vanishing from the JSON answer.
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from lingban_reporting.overview.schemas import Rate, UnitRef


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class BulletinFigures(_Out):
    """A subtree's figures for the quarter (see `bulletins/domain.py` for each one)."""

    declared: int = Field(description="Projects declared for the year")
    completed: int = Field(description="Accepted as complete by the quarter's end")
    completion_rate: Rate
    overdue_stages: int = Field(description="Stages that went overdue in the quarter")
    overdue_projects: int
    overdue_rate: Rate
    inspections: int
    failed_inspections: int
    deduction_score: float
    rectifications_closed: int
    problems: int = Field(description="Problems of the year")
    problems_resolved: int
    problem_resolution_rate: Rate
    visits: int
    visit_rate: Rate


class BulletinRow(BulletinFigures):
    """One direct child unit, with its rank by each metric (1 = best)."""

    unit: UnitRef
    rank: int = Field(ge=1, description="By completion rate")
    rank_overdue_rate: int = Field(ge=1)
    rank_deduction_score: int = Field(ge=1)


class BulletinPeriod(_Out):
    """The quarter's first and last day, both inclusive."""

    start: date
    end: date


class BulletinOut(_Out):
    year: int
    quarter: int = Field(ge=1, le=4)
    title: str
    period: BulletinPeriod
    region: UnitRef
    rows: list[BulletinRow] = Field(description="Ranked by completion rate")
    totals: BulletinFigures = Field(description="The region's whole subtree")
    as_of: datetime | None = Field(description="Time of the newest event the figures include")
