"""Response bodies of inspections and their rectification (整改)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import Field

from lingban_contracts import Actor
from lingban_contracts.events.supervision import (
    ChecklistScore,
    InspectionMethod,
    Photo,
    RectificationStatus,
)
from lingban_supervision.inspections.domain import InspectionStatus
from lingban_supervision.schemas import AggregateOut, Out


class InspectionResultOut(Out):
    """The recorded result: checklist, deductions and score (逐项扣分)."""

    inspected_on: date
    checklist: list[ChecklistScore]
    team_absent: bool = Field(description="专班不在岗: all points lost")
    max_score: int
    deductions: int
    score: int
    pass_mark: int
    passed: bool
    findings: list[str]
    photos: list[Photo]
    by: Actor
    days: int = Field(description="Days spent on site, from inspected_on")


class SubmissionOut(Out):
    """One rectification report of the inspected unit (整改报告)."""

    measures: list[str]
    narrative: str
    photos: list[Photo]
    submitted_on: date
    late: bool = Field(description="Submitted after the deadline")
    by: Actor


class RectificationOut(Out):
    """The rectification a failed inspection opens."""

    id: str
    items: list[str] = Field(description="What must be rectified")
    measures: list[str]
    deadline: date
    status: RectificationStatus
    submissions: list[SubmissionOut]
    reopen_reasons: list[list[str]] = Field(description="The reasons of each reopening")
    overdue_deadlines: list[date] = Field(description="Deadlines passed while still open")
    closed_on: date | None = Field(description="When it was verified and closed (销号)")


class InspectionOut(AggregateOut):
    """An inspection and its rectification."""

    group_id: str
    region_code: str = Field(description="The group's city or township")
    year: int
    half_month: str = Field(examples=["2026-03-H1"])
    planned_on: date
    days: int = Field(description="Planned length in days (≥ 1)")
    method: InspectionMethod
    unit_code: str = Field(description="The inspected unit")
    township_code: str | None
    project_id: str | None
    sample_id: str | None = Field(description="The draw the project came from")
    status: InspectionStatus
    created_at: datetime
    result: InspectionResultOut | None = Field(description="Null until recorded")
    rectification: RectificationOut | None = Field(description="Opened when it fails")
    open_deadline: date | None = Field(description="Deadline of a rectification still open")
    announced: bool = Field(description="False for an unannounced inspection (暗访)")
    on_site: bool = Field(description="Counts towards the on-site inspections of a month")
    rectification_overdue: bool = Field(description="Still open after its deadline")


class RulesOut(Out):
    """The scoring and rectification rules the service applies, for the inspection form."""

    full_marks: int = Field(description="The checklist's items add up to this (百分制)")
    pass_mark: int = Field(description="An inspection passes at this score or above")
    rectification_days: int = Field(description="Default days to rectify after a failure")
    min_on_site_per_month: int
