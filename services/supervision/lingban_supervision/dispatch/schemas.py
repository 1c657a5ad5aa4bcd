"""Request and response bodies of dispatch meetings (调度会) and assigned tasks (交办事项)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from lingban_contracts import Actor
from lingban_contracts.attachments import Attachment
from lingban_contracts.events.dispatch import (
    DEPARTMENT_PATTERN,
    Attendee,
    DispatchLevel,
    ReviewedProject,
    TaskSource,
    TaskStatus,
)
from lingban_contracts.regions import RegionCode
from lingban_supervision.dispatch.domain import LEVEL_ZH, STATUS_ZH, Meeting, Task
from lingban_supervision.schemas import AggregateOut, Out


# ---- requests --------------------------------------------------------------------
class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


# Every list item is bounded too: an event must fit the kit's event budget.
Item = Annotated[str, Field(min_length=1, max_length=1000)]


class MeetingIn(_In):
    level: DispatchLevel = Field(
        description="city_monthly 一月一调度 (a city), township_quarterly 季调度 or "
        "township_monthly (a township)"
    )
    region_code: RegionCode = Field(description="The city or township holding it")
    held_on: date
    chair: str = Field(min_length=1, max_length=100, description="主持人")
    attendees: list[Attendee] = Field(
        min_length=1, max_length=200, description="People and units that attended"
    )
    projects_reviewed: list[ReviewedProject] = Field(default_factory=list, max_length=100)
    problems_raised: list[Item] = Field(default_factory=list, max_length=50)
    next_steps: list[Item] = Field(default_factory=list, max_length=50)


class TaskIn(_In):
    unit_code: RegionCode = Field(
        description="The unit the task goes to (承办单位); for a member department's task, "
        "the assigning city itself"
    )
    department: str | None = Field(
        default=None,
        pattern=DEPARTMENT_PATTERN,
        description="A city member department (成员单位) the task goes to: its id, the slug "
        "of the notifications directory's `member-department:<slug>` (e.g. `agriculture` "
        "农业农村局). Only a city (or county) assigns one, with `unit_code` the city",
    )
    content: str = Field(min_length=1, max_length=2000, description="交办内容")
    owner: str = Field(min_length=1, max_length=100, description="责任人")
    deadline: date = Field(description="办结时限")


class ReportIn(_In):
    report: str = Field(min_length=1, max_length=4000, description="办理情况")
    attachments: list[Attachment] = Field(
        default_factory=list,
        max_length=20,
        description="Papers and photos: upload to POST /v1/files first, then send its answer",
    )


class ClosingIn(_In):
    comment: str | None = Field(default=None, max_length=2000)


class ReturnIn(_In):
    reasons: list[Item] = Field(min_length=1, max_length=20)
    deadline: date | None = Field(default=None, description="A new deadline, if any")


# ---- responses -------------------------------------------------------------------
class MinutesOut(Out):
    chair: str | None = Field(description="Null in the public view (leaders, subscribers)")
    attendees: list[Attendee] = Field(
        description="Only the attending units (no people) in the public view"
    )
    projects_reviewed: list[ReviewedProject]
    problems_raised: list[str]
    next_steps: list[str]


class MeetingOut(AggregateOut):
    """A dispatch meeting's record (调度会纪要)."""

    level: DispatchLevel
    level_zh: str = ""
    region_code: str
    township_code: str | None
    year: int
    month: str = Field(examples=["2026-03"])
    period: str = Field(description="The month or quarter it dispatched", examples=["2026-Q1"])
    held_on: date
    minutes: MinutesOut
    attending_units: list[str]
    withheld: bool = Field(default=False, description="True in the public view")

    @classmethod
    def of(cls, meeting: Meeting, public: bool) -> MeetingOut:
        out = cls.model_validate(meeting).model_copy(update={"level_zh": LEVEL_ZH[meeting.level]})
        if not public:
            return out
        units = [a for a in out.minutes.attendees if a.unit_code]
        minutes = out.minutes.model_copy(update={"chair": None, "attendees": units})
        return out.model_copy(update={"minutes": minutes, "withheld": True})


class ReportOut(Out):
    text: str
    reported_on: date
    late: bool
    by: Actor
    attachments: list[Attachment]


class ReturnOut(Out):
    reasons: list[str]
    returned_on: date
    previous_deadline: date
    by: Actor


class TaskOut(AggregateOut):
    """An assigned task (交办事项) from assignment to closing (办结销号)."""

    meeting_id: str | None
    source: TaskSource
    assigner_code: str
    unit_code: str
    department: str | None = Field(
        default=None,
        description="The member department (成员单位) it is assigned to; null: the unit",
    )
    township_code: str | None
    year: int
    content: str
    owner: str | None = Field(description="责任人; null in the public view")
    deadline: date
    assigned_on: date
    status: TaskStatus
    status_zh: str = ""
    overdue: bool = Field(description="Flagged overdue for its current deadline, not closed")
    overdue_deadlines: list[date]
    reports: list[ReportOut] = Field(description="Empty in the public view")
    returns: list[ReturnOut] = Field(description="Empty in the public view")
    closed_on: date | None
    closing_comment: str | None
    withheld: bool = Field(default=False, description="True in the public view")

    @classmethod
    def of(cls, task: Task, public: bool) -> TaskOut:
        out = cls.model_validate(task).model_copy(update={"status_zh": STATUS_ZH[task.status]})
        if not public:
            return out
        # The public view (LB-14): what, where, by when and how far, not people or texts.
        return out.model_copy(
            update={
                "owner": None,
                "reports": [],
                "returns": [],
                "closing_comment": None,
                "withheld": True,
            }
        )


class ChecksOut(Out):
    """What one run of the overdue check found."""

    tasks_overdue: list[str] = Field(description="Ids of the tasks flagged overdue by this run")
