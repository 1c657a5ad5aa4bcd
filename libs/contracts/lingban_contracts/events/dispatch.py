"""Payloads of dispatch (调度) and assigned tasks (交办), topic `lingban.supervision.v1`.

Dispatch is follow-up work of the supervision service ("一月一调度", "季调度"):
the city organisation department holds a monthly dispatch meeting, a township
its quarterly (or monthly) one; the meeting reviews projects' progress, records
the problems raised, and assigns tasks (交办事项) to units with an owner and a
deadline. The unit reports back (反馈); the assigner closes the task (办结销号)
or sends it back (退回重办). A task still waiting for the unit's report after
its deadline is flagged overdue, once per deadline.

Aggregates and their record keys:
- a dispatch meeting (调度会), key `meeting_id`; its envelope's region code is
  the meeting's region (the city, or a township);
- an assigned task (交办事项), key `task_id`; its envelope's region code is the
  assigned unit (the tenant whose work it is).

Every task payload repeats the assigned unit (`unit_code`, `township_code`), the
assigning unit (`assigner_code`), the meeting (or null for a direct assignment),
`year`, `content` and the current `deadline`, so a subscriber can file any single
event alone.
"""

from __future__ import annotations

import enum
from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from lingban_contracts.attachments import Attachment
from lingban_contracts.base import EventData
from lingban_contracts.events.supervision import MONTH_PATTERN
from lingban_contracts.regions import RegionCode
from lingban_contracts.topics import SUPERVISION

TOPIC = SUPERVISION

# A city member department's id (成员单位): the slug of the notifications directory's
# `member-department:<slug>` entry, also a `member_department` token's `department` claim.
DEPARTMENT_PATTERN = r"^[a-z][a-z0-9-]{1,39}$"

# A month (`2026-03`) or a quarter (`2026-Q1`): the period a meeting dispatches.
PERIOD_PATTERN = r"^\d{4}-((0[1-9]|1[0-2])|Q[1-4])$"


class _Part(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# ---- vocabularies ------------------------------------------------------------
class DispatchLevel(enum.StrEnum):
    CITY_MONTHLY = "city_monthly"  # 市级一月一调度
    TOWNSHIP_QUARTERLY = "township_quarterly"  # 镇级季调度
    TOWNSHIP_MONTHLY = "township_monthly"  # 镇级月调度


class TaskStatus(enum.StrEnum):
    ASSIGNED = "assigned"  # 已交办，待反馈（含退回重办）
    REPORTED = "reported"  # 已反馈，待销号
    CLOSED = "closed"  # 已办结销号


class TaskSource(enum.StrEnum):
    MEETING = "meeting"  # 调度会交办
    DIRECT = "direct"  # 组织部门直接交办


# ---- parts -------------------------------------------------------------------
class Attendee(_Part):
    """A person at the meeting, or a unit that attended (then `name` is the unit's)."""

    name: str = Field(min_length=1, max_length=100)
    unit_code: RegionCode | None = Field(default=None, description="The unit they came for")
    department: str | None = Field(
        default=None, max_length=100, description="A department, task force or group (专班、督导组)"
    )


class ReviewedProject(_Part):
    """A project the meeting reviewed, with the progress it heard (进展情况)."""

    project_id: str | None = Field(default=None, max_length=64)
    title: str = Field(min_length=1, max_length=200)
    unit_code: RegionCode | None = None
    progress: str = Field(min_length=1, max_length=2000)


# ---- a dispatch meeting ------------------------------------------------------
class DispatchMeetingHeld(EventData):
    """A dispatch meeting was held and its record filed (调度会纪要)."""

    meeting_id: str
    level: DispatchLevel
    region_code: RegionCode = Field(description="The city or township that held it")
    township_code: RegionCode | None
    year: int
    month: str = Field(pattern=MONTH_PATTERN, description="The month it was held in")
    period: str = Field(
        pattern=PERIOD_PATTERN, description="The month or quarter it dispatched (2026-03, 2026-Q1)"
    )
    held_on: date
    chair: str = Field(description="Who chaired it (主持人)")
    attendees: list[Attendee]
    attending_units: list[RegionCode] = Field(description="The units that attended")
    projects_reviewed: list[ReviewedProject]
    problems_raised: list[str] = Field(description="Problems the meeting raised (存在问题)")
    next_steps: list[str] = Field(default_factory=list, description="下一步措施")


# ---- an assigned task --------------------------------------------------------
class TaskEvent(EventData):
    task_id: str
    meeting_id: str | None = Field(description="The meeting that assigned it; null: direct")
    assigner_code: RegionCode = Field(description="The assigning unit (the city or a township)")
    unit_code: RegionCode = Field(description="The unit the task is assigned to (承办单位)")
    township_code: RegionCode | None
    year: int
    content: str = Field(description="What is to be done (交办内容)")
    deadline: date = Field(description="The current deadline (办结时限)")
    department: str | None = Field(
        default=None,
        pattern=DEPARTMENT_PATTERN,
        description="A task assigned to a city member department (成员单位, e.g. "
        "`agriculture` 农业农村局): its id, the slug of the notifications directory's "
        "`member-department:<slug>`; `unit_code` is then the city it belongs to. Null: "
        "a task to a unit (events recorded before it read as null)",
    )


class TaskAssigned(TaskEvent):
    source: TaskSource
    owner: str = Field(description="The person responsible at the unit (责任人)")
    assigned_on: date


class TaskReported(TaskEvent):
    """The unit reported back (反馈办理情况)."""

    report: str
    attachments: list[Attachment] = Field(default_factory=list)
    reported_on: date
    late: bool = Field(description="Reported after the deadline")


class TaskClosed(TaskEvent):
    """The assigner closed the task (办结销号)."""

    closed_on: date
    on_time: bool = Field(description="Reported no later than the deadline")
    was_overdue: bool = Field(description="Flagged overdue at some point")
    comment: str | None = None


class TaskReturned(TaskEvent):
    """The assigner sent the report back (退回重办); `deadline` is the (new) one."""

    reasons: list[str]
    previous_deadline: date


class TaskOverdue(TaskEvent):
    """The deadline passed without a report (flagged once per deadline)."""

    status: TaskStatus
    detected_on: date


EVENTS: tuple[tuple[str, type[EventData], str], ...] = (
    (
        "lingban.supervision.dispatch-meeting-held.v1",
        DispatchMeetingHeld,
        "A dispatch meeting (调度会) was held: attendees, projects reviewed, problems raised.",
    ),
    (
        "lingban.supervision.task-assigned.v1",
        TaskAssigned,
        "A task was assigned (交办) to a unit with an owner and a deadline.",
    ),
    (
        "lingban.supervision.task-reported.v1",
        TaskReported,
        "The assigned unit reported back on its task (反馈).",
    ),
    (
        "lingban.supervision.task-closed.v1",
        TaskClosed,
        "The assigner closed the task (办结销号).",
    ),
    (
        "lingban.supervision.task-returned.v1",
        TaskReturned,
        "The assigner sent the task back with reasons and perhaps a new deadline (退回重办).",
    ),
    (
        "lingban.supervision.task-overdue.v1",
        TaskOverdue,
        "A task's deadline passed before the unit reported back.",
    ),
)
