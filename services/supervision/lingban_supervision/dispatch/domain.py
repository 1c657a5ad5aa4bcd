"""Dispatch meetings and assigned tasks (pure rules).

A meeting is recorded once, after it was held: its level must fit its region
(一月一调度 by the city, 季调度 or a monthly one by a township), it cannot be in
the future, and it names who chaired and who attended.

A task, assigned by a meeting or directly:

    assigned ─report→ reported ─close→ closed
       ↑                 └return (reasons, maybe a new deadline)─┘

A meeting's tasks are assigned on the day it was held (its record may be filed
a few days later), a direct one on the day it is made; the deadline cannot be
earlier. A task goes to a unit below the assigner, or — from a city — to one of the
city's member departments (成员单位, `department`: the directory's slug), whose unit is
then the city itself. A task still assigned (not reported) after its deadline is flagged overdue,
once per deadline; a new deadline on return gets its own flag. A task lives in
its own document, so a meeting's tasks are independent records that refer to
the meeting, not parts of it (no write spans two documents).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from lingban_contracts import Actor
from lingban_contracts.attachments import Attachment
from lingban_contracts.divisions import Level, Unit
from lingban_contracts.events import dispatch as ev
from lingban_contracts.events.dispatch import (
    Attendee,
    DispatchLevel,
    ReviewedProject,
    TaskSource,
    TaskStatus,
)
from lingban_contracts.regions import in_subtree
from lingban_kit.errors import FieldProblem, Forbidden, InvalidTransition, ValidationFailed
from lingban_kit.regions import REGION_PATH, region_path
from lingban_supervision.aggregate import Aggregate, month_of

LEVEL_ZH = {
    DispatchLevel.CITY_MONTHLY: "市级月调度（一月一调度）",
    DispatchLevel.TOWNSHIP_QUARTERLY: "镇级季调度",
    DispatchLevel.TOWNSHIP_MONTHLY: "镇级月调度",
}
STATUS_ZH = {
    TaskStatus.ASSIGNED: "待反馈",
    TaskStatus.REPORTED: "已反馈，待销号",
    TaskStatus.CLOSED: "已办结销号",
}
TOWNSHIP_LEVELS = frozenset({DispatchLevel.TOWNSHIP_QUARTERLY, DispatchLevel.TOWNSHIP_MONTHLY})


def invalid(field_name: str, zh: str, en: str) -> ValidationFailed:
    return ValidationFailed(message=zh, message_en=en, details=[FieldProblem(field_name, zh, en)])


def period_of(level: DispatchLevel, held_on: date) -> str:
    """The month (`2026-03`) or, for a quarterly meeting, the quarter (`2026-Q1`) it dispatches."""
    if level is DispatchLevel.TOWNSHIP_QUARTERLY:
        return f"{held_on.year}-Q{(held_on.month - 1) // 3 + 1}"
    return month_of(held_on)


def check_level(level: DispatchLevel, region: Unit) -> None:
    """一月一调度 is the city's (or a county's) meeting; 季调度 and monthly ones a township's."""
    township = region.level is Level.TOWNSHIP
    if level in TOWNSHIP_LEVELS and not township:
        raise invalid(
            "level", "镇级调度会须由乡镇（街道）召开", "A township meeting needs a township"
        )
    if level is DispatchLevel.CITY_MONTHLY and (township or region.level is Level.VILLAGE):
        raise invalid(
            "level", "市级月调度须由市（县）召开", "A city meeting needs a city or county"
        )


@dataclass(frozen=True)
class Minutes:
    """What the meeting heard and decided (调度会纪要)."""

    chair: str
    attendees: list[Attendee]
    projects_reviewed: list[ReviewedProject]
    problems_raised: list[str]
    next_steps: list[str] = field(default_factory=list)


@dataclass(kw_only=True)
class Meeting(Aggregate):
    level: DispatchLevel
    region_code: str
    township_code: str | None
    year: int
    month: str
    period: str
    held_on: date
    minutes: Minutes

    @property
    def attending_units(self) -> list[str]:
        return sorted({a.unit_code for a in self.minutes.attendees if a.unit_code})

    def query_fields(self) -> dict[str, Any]:
        # The units that attended are readable by their own people (a township reads
        # the city meeting it attended): an equality on this array means "contains".
        return {REGION_PATH: region_path(self.region_code), "attending_units": self.attending_units}

    @classmethod
    def hold(
        cls,
        *,
        meeting_id: str,
        level: DispatchLevel,
        region: Unit,
        township_code: str | None,
        held_on: date,
        minutes: Minutes,
        today: date,
        actor: Actor,
        now: datetime,
        correlation_id: str | None = None,
    ) -> Meeting:
        check_level(level, region)
        if held_on > today:
            raise invalid(
                "held_on", "调度会尚未召开，不能登记", "The meeting has not been held yet"
            )
        if not minutes.attendees:
            raise invalid("attendees", "请登记参会人员或单位", "Name who attended")
        outside = [
            a.unit_code
            for a in minutes.attendees
            if a.unit_code and not in_subtree(a.unit_code, region.code)
        ]
        if outside:
            raise invalid(
                "attendees",
                f"参会单位不在本级辖区内：{'、'.join(outside)}",
                f"Attending units outside the region: {', '.join(outside)}",
            )
        meeting = cls(
            id=meeting_id,
            level=level,
            region_code=region.code,
            township_code=township_code,
            year=held_on.year,
            month=month_of(held_on),
            period=period_of(level, held_on),
            held_on=held_on,
            minutes=minutes,
            correlation_id=correlation_id,
        )
        meeting.record(
            ev.DispatchMeetingHeld(
                meeting_id=meeting_id,
                level=level,
                region_code=region.code,
                township_code=township_code,
                year=meeting.year,
                month=meeting.month,
                period=meeting.period,
                held_on=held_on,
                chair=minutes.chair,
                attendees=minutes.attendees,
                attending_units=meeting.attending_units,
                projects_reviewed=minutes.projects_reviewed,
                problems_raised=minutes.problems_raised,
                next_steps=minutes.next_steps,
            ),
            actor,
            now,
            region.code,
        )
        return meeting


@dataclass(frozen=True)
class Report:
    """The unit's report back (反馈)."""

    text: str
    reported_on: date
    late: bool
    by: Actor
    attachments: list[Attachment] = field(default_factory=list)


@dataclass(frozen=True)
class Return:
    """A report the assigner sent back (退回重办)."""

    reasons: list[str]
    returned_on: date
    previous_deadline: date
    by: Actor


@dataclass(kw_only=True)
class Task(Aggregate):
    meeting_id: str | None
    source: TaskSource
    assigner_code: str
    unit_code: str
    township_code: str | None
    year: int
    content: str
    owner: str
    deadline: date
    assigned_on: date
    status: TaskStatus = TaskStatus.ASSIGNED
    reports: list[Report] = field(default_factory=list)
    returns: list[Return] = field(default_factory=list)
    overdue_deadlines: list[date] = field(default_factory=list)
    closed_on: date | None = None
    closing_comment: str | None = None
    # A city member department's task (成员单位): its id; `unit_code` is the city.
    department: str | None = None

    @property
    def overdue(self) -> bool:
        """Flagged for its current deadline and not struck off yet."""
        return self.status is not TaskStatus.CLOSED and self.deadline in self.overdue_deadlines

    def query_fields(self) -> dict[str, Any]:
        # The task is the assigned unit's: "in the subtree of R" selects by its unit.
        return {REGION_PATH: region_path(self.unit_code)}

    @classmethod
    def assign(
        cls,
        *,
        task_id: str,
        meeting_id: str | None,
        assigner_code: str,
        unit_code: str,
        township_code: str | None,
        content: str,
        owner: str,
        deadline: date,
        assigned_on: date,
        actor: Actor,
        now: datetime,
        correlation_id: str | None = None,
        department: str | None = None,
        assigner_level: Level | None = None,
    ) -> Task:
        if department is not None:
            # A member department belongs to its city: the city assigns it, to itself.
            if assigner_level not in (Level.CITY, Level.DISTRICT) or unit_code != assigner_code:
                raise invalid(
                    "department",
                    "成员单位的交办事项须由所属市（县）交办，承办单位填本市（县）",
                    "A member department's task is assigned by its city, with the city as unit",
                )
        elif unit_code == assigner_code or not in_subtree(unit_code, assigner_code):
            raise invalid(
                "unit_code",
                "交办单位须为本级辖区内的下级单位",
                "A task goes to a unit below the assigner",
            )
        if deadline < assigned_on:
            raise invalid(
                "deadline", "办结时限不能早于交办日期", "The deadline is before the assignment"
            )
        task = cls(
            id=task_id,
            meeting_id=meeting_id,
            source=TaskSource.MEETING if meeting_id else TaskSource.DIRECT,
            assigner_code=assigner_code,
            unit_code=unit_code,
            township_code=township_code,
            year=assigned_on.year,
            content=content,
            owner=owner,
            deadline=deadline,
            assigned_on=assigned_on,
            correlation_id=correlation_id,
            department=department,
        )
        task._record(
            ev.TaskAssigned(
                **task._ids(), source=task.source, owner=owner, assigned_on=assigned_on
            ),
            actor,
            now,
        )
        return task

    def report(
        self,
        text: str,
        today: date,
        actor: Actor,
        now: datetime,
        attachments: tuple[Attachment, ...] = (),
    ) -> None:
        if self.status is not TaskStatus.ASSIGNED:
            raise self._not_in(
                "只有待反馈的交办事项可以反馈", "Only a task waiting for its report takes one"
            )
        late = today > self.deadline
        self.reports.append(Report(text, today, late, actor, list(attachments)))
        self.status = TaskStatus.REPORTED
        self._record(
            ev.TaskReported(
                **self._ids(),
                report=text,
                attachments=list(attachments),
                reported_on=today,
                late=late,
            ),
            actor,
            now,
        )

    def close(self, comment: str | None, today: date, actor: Actor, now: datetime) -> None:
        self._require_reported()
        self._require_other_than_reporter(actor)
        self.status = TaskStatus.CLOSED
        self.closed_on = today
        self.closing_comment = comment
        self._record(
            ev.TaskClosed(
                **self._ids(),
                closed_on=today,
                on_time=not self.reports[-1].late,
                was_overdue=bool(self.overdue_deadlines),
                comment=comment,
            ),
            actor,
            now,
        )

    def send_back(
        self,
        reasons: list[str],
        new_deadline: date | None,
        today: date,
        actor: Actor,
        now: datetime,
    ) -> None:
        self._require_reported()
        self._require_other_than_reporter(actor)
        if not reasons:
            raise invalid("reasons", "退回须说明理由", "Say why the report is sent back")
        if new_deadline is not None and new_deadline < today:
            raise invalid("deadline", "新的办结时限不能早于今天", "The new deadline is in the past")
        previous = self.deadline
        self.deadline = new_deadline or self.deadline
        self.returns.append(Return(reasons, today, previous, actor))
        self.status = TaskStatus.ASSIGNED
        self._record(
            ev.TaskReturned(**self._ids(), reasons=reasons, previous_deadline=previous),
            actor,
            now,
        )

    def detect_overdue(self, today: date, actor: Actor, now: datetime) -> bool:
        """Flag a task still waiting for its report past its deadline; once per deadline."""
        if (
            self.status is not TaskStatus.ASSIGNED
            or today <= self.deadline
            or self.deadline in self.overdue_deadlines
        ):
            return False
        self.overdue_deadlines.append(self.deadline)
        self._record(
            ev.TaskOverdue(**self._ids(), status=self.status, detected_on=today), actor, now
        )
        return True

    def _require_reported(self) -> None:
        if self.status is not TaskStatus.REPORTED:
            raise self._not_in(
                "交办事项尚未反馈或已办结，不能销号或退回",
                "Only a reported task can be closed or sent back",
            )

    def _require_other_than_reporter(self, actor: Actor) -> None:
        # Nobody strikes off what they reported themselves (as with rectifications).
        if self.reports and self.reports[-1].by.id == actor.id:
            raise Forbidden(
                message="交办事项由您反馈，您不能销号或退回；请由交办单位的其他人员办理",
                message_en="You reported this task, so someone else of the assigner closes "
                "or returns it",
            )

    def _not_in(self, zh: str, en: str) -> InvalidTransition:
        return InvalidTransition(message=zh, message_en=en, extra={"status": self.status.value})

    def _record(self, data: ev.TaskEvent, actor: Actor, now: datetime) -> None:
        self.record(data, actor, now, self.unit_code)

    def _ids(self) -> dict[str, Any]:
        return {
            "task_id": self.id,
            "meeting_id": self.meeting_id,
            "assigner_code": self.assigner_code,
            "unit_code": self.unit_code,
            "township_code": self.township_code,
            "year": self.year,
            "content": self.content,
            "deadline": self.deadline,
            "department": self.department,
        }
