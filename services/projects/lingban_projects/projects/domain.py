"""Pure domain rules of a project's year (no framework or driver imports).

draft ─submit→ submitted ─review→ approved ─file→ filed ─announce→ announced
  ↑                 └────→ returned ─revise→ draft
announced ─(period over)→ in_execution ─request completion→ completion_requested
completion_requested ─accept→ completed │ ─reject→ in_execution
in_execution / completion_requested / completed ─evaluate→ evaluated

Separation of duties: whoever declared, revised or submitted a project (its
authors, read from the history's actors) may not review it, decide on its
completion or evaluate it; nor may whoever asked for acceptance accept it. A
secretary or staff member above who declares for a village is therefore fine,
but then a colleague reviews. An announcement (公示) lasts at least
`ANNOUNCEMENT_MIN_DAYS` calendar days.

Every method checks its rule, changes the state, and records the event it
causes; the repository stores both in one write.
"""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from lingban_contracts import REGISTRY, Actor, Envelope, new_envelope
from lingban_contracts.base import EventData
from lingban_contracts.events import projects as ev
from lingban_contracts.events.projects import (
    Attachment,
    PreApprovalStep,
    Rating,
    ReviewScores,
    StageStatus,
    StageTask,
)
from lingban_contracts.statuses import PROJECT_STATUS_ZH, ProjectStatus
from lingban_kit.errors import (
    Conflict,
    FieldProblem,
    Forbidden,
    InvalidTransition,
    ValidationFailed,
)

SERVICE = "projects"
# Approval needs every review score at least this high ("切口小、有难度、示范强、能完成").
APPROVAL_MIN_SCORE = 60
PRE_APPROVAL_STEPS = ("investigation", "collective_study", "filing", "announcement")
# Calendar days, first and last included: the projects service keeps no holiday
# calendar (the working-day one lives in notifications), and five calendar days
# never come out longer than five working days, so the rule errs on the short side.
ANNOUNCEMENT_MIN_DAYS = 5
# The events whose actors wrote the declaration and put it up for review.
AUTHORING_EVENTS = frozenset(
    REGISTRY.for_model(m).type for m in (ev.ProjectDeclared, ev.ProjectRevised, ev.ProjectSubmitted)
)
COMPLETION_REQUEST_EVENT = REGISTRY.for_model(ev.CompletionRequested).type


# The words are the contract's: reporting and notifications fold the same events.
Status = ProjectStatus
STATUS_ZH = PROJECT_STATUS_ZH


def month_of(day: date) -> str:
    return day.strftime("%Y-%m")


def months_between(first: str, last: str) -> list[str]:
    year, month = int(first[:4]), int(first[5:7])
    months: list[str] = []
    while f"{year:04d}-{month:02d}" <= last:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def rating_for(total: float) -> Rating:
    if total >= 90:
        return Rating.EXCELLENT
    if total >= 75:
        return Rating.GOOD
    if total >= 60:
        return Rating.AVERAGE
    return Rating.POOR


@dataclass(frozen=True)
class Declaration:
    """The declaration form (申报表) with its implementation plan (实施方案)."""

    title: str
    category: str
    problem: str
    expected_goals: str
    evaluation_criteria: str
    lead_secretary: str
    task_force: tuple[str, ...]
    deadline: date
    stage_tasks: tuple[StageTask, ...]
    responsibility_statement: str | None = None
    topic_source: str | None = None
    pre_approval_steps: tuple[PreApprovalStep, ...] = ()
    # 责任书, pre-approval minutes and other papers of the declaration.
    attachments: tuple[Attachment, ...] = ()

    def fields(self) -> dict[str, Any]:
        """The form's fields by name (shallow), to build payloads and responses from."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}

    def problems(self, year: int, categories: tuple[str, ...]) -> list[FieldProblem]:
        """Field-level problems; empty when the plan holds together."""
        found: list[FieldProblem] = []
        if categories and self.category not in categories:
            found.append(
                FieldProblem(
                    "category",
                    f"类别“{self.category}”不在可选范围：{'、'.join(categories)}",
                    f"Category {self.category!r} is not one of: {', '.join(categories)}",
                )
            )
        if self.topic_source not in (None, "assigned", "chosen"):
            found.append(
                FieldProblem(
                    "topic_source",
                    "选题来源须为 assigned（点题）或 chosen（选题）",
                    "topic_source must be 'assigned' or 'chosen'",
                )
            )
        for i, step in enumerate(self.pre_approval_steps):
            if step.step not in PRE_APPROVAL_STEPS:
                found.append(
                    FieldProblem(
                        f"pre_approval_steps.{i}.step",
                        f"前置程序须为：{'、'.join(PRE_APPROVAL_STEPS)}",
                        f"Pre-approval step must be one of: {', '.join(PRE_APPROVAL_STEPS)}",
                    )
                )
        if self.deadline.year != year:
            found.append(
                FieldProblem(
                    "deadline",
                    f"完成时限须在项目年度 {year} 年内",
                    f"The deadline must fall within the project year {year}",
                )
            )
        if not self.stage_tasks:
            found.append(
                FieldProblem(
                    "stage_tasks",
                    "至少需要一项按月阶段任务",
                    "At least one monthly stage task is needed",
                )
            )
            return found
        deadline_month = month_of(self.deadline)
        for i, stage in enumerate(self.stage_tasks):
            if stage.month > deadline_month:
                found.append(
                    FieldProblem(
                        f"stage_tasks.{i}.month",
                        f"阶段月份 {stage.month} 晚于完成时限 {self.deadline.isoformat()}",
                        f"Stage month {stage.month} is after the deadline {self.deadline.isoformat()}",
                    )
                )
            if int(stage.month[:4]) != year:
                found.append(
                    FieldProblem(
                        f"stage_tasks.{i}.month",
                        f"阶段月份 {stage.month} 不在项目年度 {year} 年内",
                        f"Stage month {stage.month} is outside the project year {year}",
                    )
                )
        planned = {s.month for s in self.stage_tasks}
        for month in months_between(min(planned), deadline_month):
            if month not in planned:
                found.append(
                    FieldProblem(
                        "stage_tasks",
                        f"{month} 在项目周期内但没有阶段任务（须按月细化）",
                        f"{month} is within the project span but has no stage task (plan every month)",
                    )
                )
        return found


@dataclass(frozen=True)
class Review:
    revision: int
    decision: str  # approved | returned
    scores: ReviewScores
    reasons: tuple[str, ...]
    comment: str | None
    by: Actor
    at: datetime


@dataclass(frozen=True)
class StageReport:
    status: StageStatus
    percent: int
    narrative: str
    attachments: tuple[Attachment, ...]
    late: bool
    by: Actor
    at: datetime


@dataclass
class Stage:
    """Progress of one month's stage tasks (a month may hold several tasks)."""

    month: str
    tasks: tuple[StageTask, ...]
    reports: list[StageReport] = field(default_factory=list)
    completed_on: date | None = None
    overdue_since: date | None = None

    @property
    def percent(self) -> int:
        return self.reports[-1].percent if self.reports else 0

    @property
    def status(self) -> str:
        if self.completed_on:
            return "done"
        if self.reports:
            return self.reports[-1].status.value
        return "overdue" if self.overdue_since else "pending"


@dataclass(frozen=True)
class WeeklyReport:
    week: str
    key_tasks: tuple[str, ...]
    narrative: str
    by: Actor
    at: datetime
    attachments: tuple[Attachment, ...] = ()


@dataclass(frozen=True)
class CompletionDecision:
    accepted: bool
    reasons: tuple[str, ...]
    comment: str | None
    by: Actor
    at: datetime


@dataclass(frozen=True)
class Evaluation:
    governance_effect: int
    problem_solved: int
    plan_completed: int
    total: float
    rating: Rating
    model_case: bool
    comment: str | None
    by: Actor
    at: datetime


@dataclass(frozen=True)
class HistoryEntry:
    version: int
    event_type: str
    by: Actor
    at: datetime


@dataclass
class Project:
    id: str
    unit_code: str
    year: int
    status: Status
    version: int
    created_at: datetime
    revisions: list[Declaration]
    reviews: list[Review] = field(default_factory=list)
    filing_number: str | None = None
    announcement: tuple[date, date] | None = None
    stages: list[Stage] = field(default_factory=list)
    weekly_reports: list[WeeklyReport] = field(default_factory=list)
    completion_summary: str | None = None
    completion_decisions: list[CompletionDecision] = field(default_factory=list)
    evaluation: Evaluation | None = None
    history: list[HistoryEntry] = field(default_factory=list)
    pending_events: list[Envelope] = field(default_factory=list)
    correlation_id: str | None = None

    # ---- reading ----------------------------------------------------------
    @property
    def declaration(self) -> Declaration:
        return self.revisions[-1]

    @property
    def revision(self) -> int:
        return len(self.revisions)

    def actors_of(self, event_types: frozenset[str]) -> set[str]:
        """Ids of everyone who recorded one of these events on the project."""
        return {h.by.id for h in self.history if h.event_type in event_types}

    @property
    def authors(self) -> set[str]:
        """Who declared, revised or submitted the project."""
        return self.actors_of(AUTHORING_EVENTS)

    def stage(self, month: str) -> Stage:
        for stage in self.stages:
            if stage.month == month:
                return stage
        raise ValidationFailed(
            message=f"{month} 不是本项目的阶段月份",
            message_en=f"{month} is not a stage month of this project",
            details=[
                FieldProblem("month", "计划中没有该月任务", "no stage task planned for that month")
            ],
        )

    # ---- declaration and review ------------------------------------------
    @classmethod
    def declare(
        cls,
        unit_code: str,
        year: int,
        form: Declaration,
        actor: Actor,
        now: datetime,
        categories: tuple[str, ...] = (),
        correlation_id: str | None = None,
    ) -> Project:
        _validate(form, year, categories)
        project = cls(
            id=uuid.uuid4().hex,
            unit_code=unit_code,
            year=year,
            status=Status.DRAFT,
            version=0,
            created_at=now,
            revisions=[form],
            correlation_id=correlation_id,
        )
        project._record(ev.ProjectDeclared(**project._ids(), **_form_payload(form)), actor, now)
        return project

    def revise(
        self, form: Declaration, actor: Actor, now: datetime, categories: tuple[str, ...] = ()
    ) -> None:
        self._require(
            Status.DRAFT, Status.RETURNED, action="修改申报", action_en="revise the declaration"
        )
        _validate(form, self.year, categories)
        self.revisions.append(form)
        self.status = Status.DRAFT
        self._record(
            ev.ProjectRevised(
                **self._ids(),
                revision=self.revision,
                form=ev.DeclarationForm(**_form_payload(form)),
            ),
            actor,
            now,
        )

    def remove_attachment(
        self, file_id: str, actor: Actor, now: datetime, categories: tuple[str, ...] = ()
    ) -> None:
        """Take a file off the declaration: only while it is a draft (a new revision)."""
        self._require(
            Status.DRAFT, Status.RETURNED, action="删除附件", action_en="remove an attachment"
        )
        kept = tuple(a for a in self.declaration.attachments if a.file_id != file_id)
        if len(kept) == len(self.declaration.attachments):
            raise ValidationFailed(
                message="申报材料中没有这个附件",
                message_en="The declaration has no such attachment",
                details=[FieldProblem("file_id", "不是本项目申报的附件", "not attached here")],
            )
        self.revise(dataclasses.replace(self.declaration, attachments=kept), actor, now, categories)

    def file_ids(self) -> set[str]:
        """Every stored file the project carries now (declaration, stage and weekly reports)."""
        attachments = [
            *self.declaration.attachments,
            *(a for s in self.stages for r in s.reports for a in r.attachments),
            *(a for w in self.weekly_reports for a in w.attachments),
        ]
        return {a.file_id for a in attachments if a.file_id is not None}

    def submit(self, reviewer_unit: str, actor: Actor, now: datetime) -> None:
        self._require(Status.DRAFT, action="上报研判", action_en="submit for review")
        self.status = Status.SUBMITTED
        self._record(
            ev.ProjectSubmitted(**self._ids(), revision=self.revision, reviewer_unit=reviewer_unit),
            actor,
            now,
        )

    def review(
        self,
        *,
        approve: bool,
        scores: ReviewScores,
        reasons: tuple[str, ...],
        comment: str | None,
        actor: Actor,
        now: datetime,
    ) -> None:
        self._require(Status.SUBMITTED, action="研判", action_en="review")
        self._require_independent(actor, self.authors, action="研判", action_en="review")
        if approve:
            low = [
                name
                for name in ("feasibility", "precision", "effectiveness")
                if getattr(scores, name) < APPROVAL_MIN_SCORE
            ]
            if low:
                raise ValidationFailed(
                    message=f"评分低于 {APPROVAL_MIN_SCORE} 分的项目不能通过，请退回重新申报",
                    message_en=f"A project scoring below {APPROVAL_MIN_SCORE} cannot be approved; return it instead",
                    details=[
                        FieldProblem(
                            f"scores.{n}",
                            f"低于 {APPROVAL_MIN_SCORE} 分",
                            f"below {APPROVAL_MIN_SCORE}",
                        )
                        for n in low
                    ],
                )
            self.status = Status.APPROVED
            data: EventData = ev.ProjectApproved(
                **self._ids(), revision=self.revision, scores=scores, comment=comment
            )
        else:
            if not any(r.strip() for r in reasons):
                raise ValidationFailed(
                    message="退回须写明理由",
                    message_en="A return needs at least one reason",
                    details=[
                        FieldProblem("reasons", "至少填写一条退回理由", "give at least one reason")
                    ],
                )
            self.status = Status.RETURNED
            data = ev.ProjectReturned(
                **self._ids(), revision=self.revision, scores=scores, reasons=list(reasons)
            )
        self.reviews.append(
            Review(
                revision=self.revision,
                decision="approved" if approve else "returned",
                scores=scores,
                reasons=reasons,
                comment=comment,
                by=actor,
                at=now,
            )
        )
        self._record(data, actor, now)

    def file(self, actor: Actor, now: datetime) -> None:
        self._require(Status.APPROVED, action="备案", action_en="file")
        self.status = Status.FILED
        self.filing_number = f"LB-{self.year}-{self.unit_code}-{self.id[:6].upper()}"
        self._record(ev.ProjectFiled(**self._ids(), filing_number=self.filing_number), actor, now)

    def announce(self, starts_on: date, ends_on: date, actor: Actor, now: datetime) -> None:
        self._require(Status.FILED, action="公示", action_en="announce")
        if ends_on < starts_on:
            raise ValidationFailed(
                message="公示结束日期不能早于开始日期",
                message_en="The announcement cannot end before it starts",
                details=[FieldProblem("ends_on", "早于开始日期", "before starts_on")],
            )
        days = (ends_on - starts_on).days + 1
        if days < ANNOUNCEMENT_MIN_DAYS:
            raise ValidationFailed(
                message=f"公示期不少于 {ANNOUNCEMENT_MIN_DAYS} 天（含首尾两天），当前为 {days} 天",
                message_en=f"An announcement lasts at least {ANNOUNCEMENT_MIN_DAYS} days (first and last included); this one is {days}",
                details=[
                    FieldProblem(
                        "ends_on",
                        f"公示期不足 {ANNOUNCEMENT_MIN_DAYS} 天",
                        f"shorter than {ANNOUNCEMENT_MIN_DAYS} days",
                    )
                ],
            )
        self.status = Status.ANNOUNCED
        self.announcement = (starts_on, ends_on)
        self._record(
            ev.ProjectAnnounced(**self._ids(), starts_on=starts_on, ends_on=ends_on), actor, now
        )

    # ---- execution -------------------------------------------------------
    def start_execution(self, today: date, actor: Actor, now: datetime) -> None:
        self._require(Status.ANNOUNCED, action="启动实施", action_en="start execution")
        assert self.announcement is not None
        if today <= self.announcement[1]:
            raise InvalidTransition(
                message=f"公示期至 {self.announcement[1].isoformat()} 结束，结束后方可实施",
                message_en=f"The announcement runs until {self.announcement[1].isoformat()}; execution starts after it",
            )
        self.status = Status.IN_EXECUTION
        by_month: dict[str, list[StageTask]] = {}
        for task in self.declaration.stage_tasks:
            by_month.setdefault(task.month, []).append(task)
        self.stages = [Stage(month=m, tasks=tuple(t)) for m, t in sorted(by_month.items())]
        d = self.declaration
        self._record(
            ev.ProjectExecutionStarted(
                **self._ids(),
                stage_months=[s.month for s in self.stages],
                lead_secretary=d.lead_secretary,
                deadline=d.deadline,
            ),
            actor,
            now,
        )

    def announcement_over(self, today: date) -> bool:
        return (
            self.status is Status.ANNOUNCED
            and self.announcement is not None
            and today > self.announcement[1]
        )

    def report_stage(
        self,
        month: str,
        *,
        status: StageStatus,
        percent: int,
        narrative: str,
        attachments: tuple[Attachment, ...],
        today: date,
        actor: Actor,
        now: datetime,
    ) -> None:
        self._require(Status.IN_EXECUTION, action="报告阶段进度", action_en="report stage progress")
        stage = self.stage(month)
        if stage.completed_on:
            raise InvalidTransition(
                message=f"{month} 阶段已办结销号，不能再报告",
                message_en=f"Stage {month} is already completed",
            )
        if month > month_of(today):
            raise ValidationFailed(
                message=f"{month} 尚未到来，不能提前报告",
                message_en=f"{month} has not started yet",
                details=[FieldProblem("month", "未来月份", "a future month")],
            )
        if status is StageStatus.DONE and percent != 100:
            raise ValidationFailed(
                message="状态为“完成”时进度须为 100%",
                message_en="A done stage must be at 100%",
                details=[FieldProblem("percent", "须为 100", "must be 100")],
            )
        late = month < month_of(today)
        stage.reports.append(StageReport(status, percent, narrative, attachments, late, actor, now))
        self._record(
            ev.StageReported(
                **self._ids(),
                month=month,
                status=status,
                percent=percent,
                narrative=narrative,
                attachments=list(attachments),
                late=late,
            ),
            actor,
            now,
        )
        if status is StageStatus.DONE:
            stage.completed_on = today
            self._record(ev.StageCompleted(**self._ids(), month=month), actor, now)

    def detect_overdue(self, today: date, actor: Actor, now: datetime) -> list[str]:
        """Mark stages whose month has passed without a report; each only once."""
        if self.status is not Status.IN_EXECUTION:
            return []
        current = month_of(today)
        found: list[str] = []
        for stage in self.stages:
            if stage.month < current and not stage.reports and stage.overdue_since is None:
                stage.overdue_since = today
                found.append(stage.month)
                self._record(
                    ev.StageOverdue(
                        **self._ids(),
                        month=stage.month,
                        task="；".join(t.task for t in stage.tasks),
                        detected_on=today,
                    ),
                    actor,
                    now,
                )
        return found

    def submit_weekly_report(
        self,
        week: str,
        key_tasks: tuple[str, ...],
        narrative: str,
        actor: Actor,
        now: datetime,
        attachments: tuple[Attachment, ...] = (),
    ) -> None:
        self._require(Status.IN_EXECUTION, action="提交周报", action_en="submit a weekly report")
        if any(r.week == week for r in self.weekly_reports):
            raise Conflict(
                message=f"{week} 的周报已提交",
                message_en=f"The weekly report for {week} exists already",
            )
        self.weekly_reports.append(
            WeeklyReport(week, key_tasks, narrative, actor, now, attachments)
        )
        self._record(
            ev.WeeklyReportSubmitted(
                **self._ids(),
                week=week,
                key_tasks=list(key_tasks),
                narrative=narrative,
                attachments=list(attachments),
            ),
            actor,
            now,
        )

    # ---- completion and evaluation ----------------------------------------
    def request_completion(self, summary: str, actor: Actor, now: datetime) -> None:
        self._require(Status.IN_EXECUTION, action="申请验收", action_en="request completion")
        open_stages = [s.month for s in self.stages if not s.completed_on]
        if open_stages:
            raise InvalidTransition(
                message=f"尚有阶段未办结：{'、'.join(open_stages)}",
                message_en=f"Stages not completed yet: {', '.join(open_stages)}",
            )
        self.status = Status.COMPLETION_REQUESTED
        self.completion_summary = summary
        self._record(ev.CompletionRequested(**self._ids(), summary=summary), actor, now)

    def decide_completion(
        self,
        *,
        accept: bool,
        reasons: tuple[str, ...],
        comment: str | None,
        actor: Actor,
        now: datetime,
    ) -> None:
        self._require(Status.COMPLETION_REQUESTED, action="验收", action_en="decide on completion")
        self._require_independent(
            actor,
            self.authors | self.actors_of(frozenset({COMPLETION_REQUEST_EVENT})),
            action="验收",
            action_en="decide on completion",
        )
        if not accept and not any(r.strip() for r in reasons):
            raise ValidationFailed(
                message="不予验收须写明理由",
                message_en="Sending a completion back needs a reason",
                details=[FieldProblem("reasons", "至少填写一条理由", "give at least one reason")],
            )
        self.completion_decisions.append(CompletionDecision(accept, reasons, comment, actor, now))
        if accept:
            self.status = Status.COMPLETED
            self._record(ev.CompletionAccepted(**self._ids(), comment=comment), actor, now)
        else:
            self.status = Status.IN_EXECUTION
            self._record(ev.CompletionRejected(**self._ids(), reasons=list(reasons)), actor, now)

    def evaluate(
        self,
        *,
        governance_effect: int,
        problem_solved: int,
        plan_completed: int,
        model_case: bool,
        comment: str | None,
        actor: Actor,
        now: datetime,
    ) -> None:
        self._require(
            Status.IN_EXECUTION,
            Status.COMPLETION_REQUESTED,
            Status.COMPLETED,
            action="年终评价",
            action_en="evaluate",
        )
        self._require_independent(actor, self.authors, action="年终评价", action_en="evaluate")
        total = round((governance_effect + problem_solved + plan_completed) / 3, 1)
        rating = rating_for(total)
        if model_case and rating is not Rating.EXCELLENT:
            raise ValidationFailed(
                message="只有评为“优秀”的项目才能树为典型",
                message_en="Only an excellent project can be a model case",
                details=[FieldProblem("model_case", "评价等次不是优秀", "rating is not excellent")],
            )
        self.status = Status.EVALUATED
        self.evaluation = Evaluation(
            governance_effect,
            problem_solved,
            plan_completed,
            total,
            rating,
            model_case,
            comment,
            actor,
            now,
        )
        self._record(
            ev.ProjectEvaluated(
                **self._ids(),
                governance_effect=governance_effect,
                problem_solved=problem_solved,
                plan_completed=plan_completed,
                total=total,
                rating=rating,
                model_case=model_case,
                evaluated_at=now,
            ),
            actor,
            now,
        )

    # ---- internals ---------------------------------------------------------
    def _ids(self) -> dict[str, Any]:
        return {"project_id": self.id, "unit_code": self.unit_code, "year": self.year}

    def _require(self, *allowed: Status, action: str, action_en: str) -> None:
        if self.status not in allowed:
            raise InvalidTransition(
                message=f"项目当前为“{STATUS_ZH[self.status]}”，不能{action}",
                message_en=f"The project is {self.status.value}; cannot {action_en}",
                extra={"status": self.status.value},
            )

    def _require_independent(
        self, actor: Actor, involved: set[str], *, action: str, action_en: str
    ) -> None:
        """Nobody judges a project they declared or submitted themselves (审用分离)."""
        if actor.id in involved:
            raise Forbidden(
                message=f"本项目由您申报、上报或申请验收，您不能{action}；请由上级单位的其他人员办理",
                message_en=f"You declared, submitted or put up this project for acceptance, so you "
                f"cannot {action_en} it; another person of the level above must",
            )

    def _record(self, data: EventData, actor: Actor, now: datetime) -> None:
        self.version += 1
        envelope = new_envelope(
            data=data,
            source_service=SERVICE,
            actor=actor,
            region_code=self.unit_code,
            aggregate_id=self.id,
            aggregate_version=self.version,
            correlation_id=self.correlation_id,
            time=now,
        )
        self.pending_events.append(envelope)
        self.history.append(HistoryEntry(self.version, envelope.type, actor, now))


def _validate(form: Declaration, year: int, categories: tuple[str, ...]) -> None:
    problems = form.problems(year, categories)
    if problems:
        raise ValidationFailed(
            message="申报内容有误，请按提示修改",
            message_en="The declaration has problems to fix",
            details=problems,
        )


def _form_payload(form: Declaration) -> dict[str, Any]:
    fields = form.fields()
    fields.update(
        task_force=list(form.task_force),
        stage_tasks=list(form.stage_tasks),
        pre_approval_steps=list(form.pre_approval_steps),
        attachments=list(form.attachments),
    )
    return fields
