"""The shape of a reminder rule set, validated when it is loaded (pure: pydantic only).

A rule says *what* is due (its kind and parameters), *to whom* (audience terms
relative to the subject's unit), *how* (channels) and *what it says* (a zh-CN
and an English template). Validation names the rule and the field at fault.
"""

from __future__ import annotations

import enum
from datetime import date, time
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from lingban_contracts import REGISTRY
from lingban_contracts.events.assessment import ResultList
from lingban_contracts.events.notifications import Channel
from lingban_notifications.local_time import LocalTime
from lingban_notifications.rules.placeholders import TemplateSyntaxProblem, placeholders


class Kind(enum.StrEnum):
    MONTHLY_CARD = "monthly_card"  # 提醒卡, first working day of the month
    WEEKLY_REPORT_REMINDER = "weekly_report_reminder"  # 一周一报告
    REPORT_MISSING = "report_missing"  # last week's report was not submitted
    DEADLINE_WARNING = "deadline_warning"  # 7/3/1 days before, then daily while overdue
    ESCALATION = "escalation"  # overdue beyond N days: the level above's secretary
    REVIEW_WAITING = "review_waiting"  # submitted beyond N days: remind the reviewer
    EVENT_NOTICE = "event_notice"  # returned, rejected, inspection failed …
    ACKNOWLEDGEMENT_ESCALATION = "acknowledgement_escalation"  # not signed (签收) in time
    STATIONED_DAY = "stationed_day"  # the day before a stationed day (驻点日), subjects/rosters.py
    RESIDENCE_AT_RISK = "residence_at_risk"  # leaders short of the monthly residence days (住村)
    RESULT_LIST = "result_list"  # the units on the finalized 表扬 or 约谈 list, one notice each


class Audience(enum.StrEnum):
    """Who, relative to the subject's unit."""

    SECRETARY = "secretary"  # the unit's own secretary
    TOWNSHIP_STAFF = "township_staff"  # staff of the unit's township
    TASK_FORCE = "task_force"  # the project's task force (工作专班)
    MEMBER_DEPARTMENTS = "member_departments"  # the city's member departments (成员单位)
    PARENT_SECRETARY = "parent_secretary"  # the secretary of the level above
    REVIEWER = "reviewer"  # the secretary of the reviewing unit
    GROUP_MEMBERS = "group_members"  # a supervision group's members with an account
    STATIONED_PERSON = "stationed_person"  # the roster's stationed person (their directory contact)


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Text(_Strict):
    title: str = Field(min_length=1, max_length=200)
    body: str = Field(min_length=1, max_length=4000)


class Template(_Strict):
    zh: Text
    en: Text


class EventSubject(_Strict):
    """Where an event-triggered notice finds its subject in the event payload."""

    type: str = Field(min_length=1, description="project | rectification | inspection …")
    id_field: str = "project_id"
    unit_field: str = "unit_code"


COMMON_VARS = frozenset(
    {"unit_name", "unit_code", "recipient_name", "link", "period", "rule_id", "subject_id"}
)
KIND_VARS: dict[Kind, frozenset[str]] = {
    Kind.MONTHLY_CARD: frozenset({"month", "items", "count"}),
    Kind.WEEKLY_REPORT_REMINDER: frozenset({"week", "project_title"}),
    Kind.REPORT_MISSING: frozenset({"week", "project_title"}),
    Kind.DEADLINE_WARNING: frozenset(
        {"month", "task", "owner", "deadline", "days_left", "days_overdue", "project_title"}
    ),
    Kind.ESCALATION: frozenset(
        {"month", "task", "owner", "deadline", "days_overdue", "project_title"}
    ),
    Kind.REVIEW_WAITING: frozenset({"project_title", "submitted_on", "days_waiting"}),
    Kind.EVENT_NOTICE: frozenset({"project_title", "event_type"}),
    Kind.ACKNOWLEDGEMENT_ESCALATION: frozenset(
        {"original_title", "original_recipient", "sent_at", "hours"}
    ),
    Kind.STATIONED_DAY: frozenset({"person_name", "position", "stationed_on", "weekday"}),
    Kind.RESIDENCE_AT_RISK: frozenset({"month", "items", "count"}),
    Kind.RESULT_LIST: frozenset(
        {"year", "list_name", "score", "rank", "rating", "basis", "reason"}
    ),
}

_REQUIRED: dict[Kind, tuple[str, ...]] = {
    Kind.MONTHLY_CARD: ("card_level",),
    Kind.WEEKLY_REPORT_REMINDER: ("weekday",),
    Kind.REPORT_MISSING: ("weekday",),
    Kind.DEADLINE_WARNING: ("days_before",),
    Kind.ESCALATION: ("overdue_days",),
    Kind.REVIEW_WAITING: ("waiting_days",),
    Kind.EVENT_NOTICE: ("event", "subject"),
    Kind.ACKNOWLEDGEMENT_ESCALATION: ("after_hours",),
    Kind.STATIONED_DAY: (),
    Kind.RESIDENCE_AT_RISK: ("days_before",),
    Kind.RESULT_LIST: ("event", "result_list"),
}


def event_fields(event_type: str) -> frozenset[str]:
    spec = REGISTRY.find(event_type)
    return frozenset(spec.model.model_fields) if spec else frozenset()


class Rule(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,62}$")
    kind: Kind
    enabled: bool = True
    audience: list[Audience] = Field(min_length=1)
    channels: list[Channel] = Field(min_length=1)
    at: LocalTime = Field(default=time(9, 0), description="Local time (Asia/Shanghai) it fires")
    weekday: int | None = Field(default=None, ge=1, le=7, description="ISO weekday, 1 = Monday")
    card_level: Literal["township", "task_force", "member_department"] | None = None
    target: Literal["stage", "rectification", "task", "inspection"] = Field(
        default="stage",
        description="What a deadline rule watches: stage tasks, rectifications, assigned "
        "tasks (交办事项), or planned inspections (to the group's members)",
    )
    days_before: list[int] = Field(default_factory=list)
    daily_while_overdue: bool = True
    overdue_days: int | None = Field(default=None, ge=1)
    waiting_days: int | None = Field(default=None, ge=1)
    after_hours: int | None = Field(default=None, ge=1)
    event: str | None = Field(default=None, description="The event type that triggers a notice")
    subject: EventSubject | None = None
    result_list: ResultList | None = Field(
        default=None,
        description="A `result_list` rule's list of the finalized assessment: praise (表扬) "
        "or talk (约谈); one notice per unit on it",
    )
    requires_acknowledgement: bool = False
    template: Template

    @model_validator(mode="after")
    def _check(self) -> Rule:
        missing = [name for name in _REQUIRED[self.kind] if not getattr(self, name)]
        if missing:
            raise ValueError(f"rule {self.id} ({self.kind.value}) needs: {', '.join(missing)}")
        if any(d < 1 for d in self.days_before):
            raise ValueError(f"rule {self.id}: days_before must be positive day counts")
        if self.event is not None and REGISTRY.find(self.event) is None:
            raise ValueError(f"rule {self.id}: unknown event type {self.event}")
        known = COMMON_VARS | KIND_VARS[self.kind]
        if self.event:
            known |= event_fields(self.event)
        for lang in ("zh", "en"):
            text: Text = getattr(self.template, lang)
            for part in ("title", "body"):
                try:
                    used = placeholders(getattr(text, part))
                except TemplateSyntaxProblem as exc:
                    raise ValueError(
                        f"rule {self.id}: template {lang}.{part} placeholder "
                        f"{{{exc.placeholder}}} is refused: {exc.reason}; write {{name}} only"
                    ) from None
                unknown = used - known
                if unknown:
                    raise ValueError(
                        f"rule {self.id}: template {lang}.{part} uses unknown placeholder(s) "
                        f"{', '.join(sorted(unknown))}; known: {', '.join(sorted(known))}"
                    )
        return self


class RuleSet(_Strict):
    # Overrides of the official calendar (the `chinesecalendar` package), both ways;
    # see scheduling/workdays.py and docs/notifications.md.
    non_working_days: list[date] = Field(
        default_factory=list,
        description=(
            "Days off whatever the official calendar says: holidays it lacks, or its "
            "make-up working days (调休) that are not worked"
        ),
    )
    extra_working_days: list[date] = Field(
        default_factory=list,
        description=(
            "Days worked whatever the official calendar says: make-up working days (调休) "
            "it lacks, or its holidays that are worked"
        ),
    )
    rules: list[Rule] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> RuleSet:
        seen: set[str] = set()
        for rule in self.rules:
            if rule.id in seen:
                raise ValueError(f"rule id {rule.id} appears twice")
            seen.add(rule.id)
        both = sorted(set(self.non_working_days) & set(self.extra_working_days))
        if both:
            listed = ", ".join(d.isoformat() for d in both)
            raise ValueError(
                f"non_working_days and extra_working_days both list {listed}; keep each in one"
            )
        return self

    def enabled(self, *kinds: Kind) -> list[Rule]:
        return [r for r in self.rules if r.enabled and (not kinds or r.kind in kinds)]

    def by_id(self, rule_id: str) -> Rule | None:
        return next((r for r in self.rules if r.id == rule_id), None)
