"""Pure domain rules of a project's year (no framework or driver imports).

draft ─submit→ submitted ─review→ approved ─file→ filed ─announce→ announced
  ↑                 └────→ returned ─revise→ draft
  └──────────────────────── returned ←─uphold an objection── announced
announced ─(period over, no open objection)→ in_execution ─request completion→ completion_requested
completion_requested ─accept→ completed │ ─reject→ in_execution
in_execution / completion_requested / completed ─evaluate→ evaluated
approved / filed / announced / in_execution ─approve a withdrawal→ withdrawn (terminal)

Beside the status, two kinds of open business:
- objections (公示异议): anyone working in the jurisdiction (or the organisation
  department, for one received offline) records one while the project is
  announced; the reviewing level upholds it (the project goes back: returned)
  or dismisses it with a reason. An open objection keeps the project in the
  announcement step (execution neither starts by hand nor by the daily checks).
- change and withdrawal requests (变更 / 撤销): from approval until completion
  is requested the unit may ask, with a reason, to change fields of the plan or
  to withdraw; one request at a time; the level above approves or rejects. An
  approved change is a new revision of the declaration (months already past,
  and months already reported, keep their stage tasks); an approved withdrawal
  ends the project.

Review (研判) judges the principle 切口小、有难度、示范强、能完成 criterion by
criterion (all four or none): approval needs every judged criterion met; a
return needs a reason or a criterion not met (which then reads as a reason).

Lagging (滞后): a stage not struck off that was flagged overdue (its month
passed without a report) or whose latest report says partly or blocked
(`lingban_contracts.statuses.stage_lagging`, shared with reporting).

Separation of duties: whoever declared, revised or submitted a project (its
authors, read from the history's actors) may not review it, decide on its
completion or evaluate it; nor may whoever asked for acceptance accept it,
whoever raised an objection resolve it, or whoever requested a change or
withdrawal decide on it. A secretary or staff member above who declares for a
village is therefore fine, but then a colleague reviews. An announcement (公示)
lasts at least `ANNOUNCEMENT_MIN_DAYS` calendar days.

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
    REVIEW_CRITERION_ZH,
    Attachment,
    ChangeKind,
    CriterionJudgement,
    PlanChanges,
    PreApprovalStep,
    Rating,
    ReviewCriterion,
    ReviewScores,
    StageStatus,
    StageTask,
)
from lingban_contracts.statuses import (
    PROJECT_FINAL,
    PROJECT_STATUS_ZH,
    ProjectKind,
    ProjectStatus,
    stage_lagging,
)
from lingban_kit.errors import (
    Conflict,
    FieldProblem,
    Forbidden,
    InvalidTransition,
    NotFound,
    ValidationFailed,
)
from lingban_kit.idempotency import RequestMark, already_applied, new_id

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
# From approval until completion is requested, a change or withdrawal may be asked for.
CHANGEABLE = (Status.APPROVED, Status.FILED, Status.ANNOUNCED, Status.IN_EXECUTION)


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
    # 书记项目 or 书记领办事项; stored projects from before kinds existed are the former.
    kind: ProjectKind = ProjectKind.SECRETARY_PROJECT

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
    # 切口小、有难度、示范强、能完成, criterion by criterion (empty: not judged one by one).
    criteria: tuple[CriterionJudgement, ...] = ()


@dataclass(frozen=True)
class StageReport:
    status: StageStatus
    percent: int
    narrative: str
    attachments: tuple[Attachment, ...]
    late: bool
    by: Actor
    at: datetime
    # The request that appended it, when it carried an Idempotency-Key: a retry is
    # recognised by it and appends nothing (`Project.holds_request`).
    request: RequestMark | None = None


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

    @property
    def lagging(self) -> bool:
        """滞后, by the rule reporting uses too."""
        return stage_lagging(
            done=self.completed_on is not None,
            flagged_overdue=self.overdue_since is not None,
            last_report=self.reports[-1].status.value if self.reports else None,
        )


@dataclass(frozen=True)
class WeeklyReport:
    week: str
    key_tasks: tuple[str, ...]
    narrative: str
    by: Actor
    at: datetime
    attachments: tuple[Attachment, ...] = ()
    request: RequestMark | None = None  # as `StageReport.request`


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


@dataclass
class Objection:
    """An objection raised during the announcement (公示异议) and how it was resolved."""

    id: str
    text: str
    received_offline: bool
    by: Actor
    at: datetime
    outcome: str | None = None  # upheld | dismissed; None while open
    reason: str | None = None
    resolved_by: Actor | None = None
    resolved_at: datetime | None = None

    @property
    def open(self) -> bool:
        return self.outcome is None


@dataclass
class ChangeRequest:
    """A mid-year request to change (变更) or withdraw (撤销) an approved project."""

    id: str
    kind: ChangeKind
    reason: str
    changes: PlanChanges | None
    by: Actor
    at: datetime
    decision: str | None = None  # approved | rejected; None while pending
    decision_reasons: tuple[str, ...] = ()
    comment: str | None = None
    decided_by: Actor | None = None
    decided_at: datetime | None = None

    @property
    def pending(self) -> bool:
        return self.decision is None


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
    objections: list[Objection] = field(default_factory=list)
    change_requests: list[ChangeRequest] = field(default_factory=list)
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
            # Derived from the request's Idempotency-Key when it has one: a retried
            # declaration writes the same id, which the database refuses to copy.
            id=new_id(),
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
        criteria: tuple[CriterionJudgement, ...] = (),
    ) -> None:
        self._require(Status.SUBMITTED, action="研判", action_en="review")
        self._require_independent(actor, self.authors, action="研判", action_en="review it")
        _check_criteria(criteria)
        unmet = [c for c in criteria if not c.met]
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
            if unmet:
                names = "、".join(REVIEW_CRITERION_ZH[c.criterion] for c in unmet)
                raise ValidationFailed(
                    message=f"未达到“{names}”的项目不能通过，请退回重新申报",
                    message_en="A project that misses a review criterion cannot be approved; return it instead",
                    details=[
                        FieldProblem(
                            f"criteria.{criteria.index(c)}.met", "未达到该项原则", "not met"
                        )
                        for c in unmet
                    ],
                )
            self.status = Status.APPROVED
            data: EventData = ev.ProjectApproved(
                **self._ids(),
                revision=self.revision,
                scores=scores,
                comment=comment,
                criteria=list(criteria),
            )
        else:
            reasons = tuple(r for r in reasons if r.strip())
            if not reasons and not unmet:
                raise ValidationFailed(
                    message="退回须写明理由，或指出未达到的研判原则（切口小、有难度、示范强、能完成）",
                    message_en="A return needs a reason or a review criterion that is not met",
                    details=[
                        FieldProblem(
                            "reasons",
                            "至少填写一条退回理由，或将一项原则标为未达到",
                            "give a reason or mark a criterion as not met",
                        )
                    ],
                )
            self.status = Status.RETURNED
            # Unmet criteria read as reasons too, for subscribers that know only reasons.
            reasons = (*reasons, *(_criterion_reason(c) for c in unmet))
            data = ev.ProjectReturned(
                **self._ids(),
                revision=self.revision,
                scores=scores,
                reasons=list(reasons),
                criteria=list(criteria),
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
                criteria=criteria,
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
        if self.open_objections:
            raise InvalidTransition(
                message=f"公示期间收到的 {len(self.open_objections)} 条异议尚未处理，"
                "请上级单位先处理（维持或驳回）后再启动实施",
                message_en=f"{len(self.open_objections)} objection(s) raised during the "
                "announcement are still open; the level above resolves them first",
                extra={"open_objections": [o.id for o in self.open_objections]},
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
        """Ready to start: the period is over and no objection is open."""
        return (
            self.status is Status.ANNOUNCED
            and self.announcement is not None
            and today > self.announcement[1]
            and not self.open_objections
        )

    # ---- objections during the announcement (公示异议) ----------------------
    @property
    def lagging_months(self) -> list[str]:
        """Stages lagging (滞后); none once withdrawn (no plan is live any more)."""
        if self.status is Status.WITHDRAWN:
            return []
        return [s.month for s in self.stages if s.lagging]

    @property
    def open_objections(self) -> list[Objection]:
        return [o for o in self.objections if o.open]

    def objection(self, objection_id: str) -> Objection:
        for objection in self.objections:
            if objection.id == objection_id:
                return objection
        raise NotFound(
            message=f"本项目没有编号为 {objection_id} 的异议",
            message_en=f"The project has no objection {objection_id}",
        )

    def raise_objection(
        self, text: str, *, received_offline: bool, actor: Actor, now: datetime
    ) -> None:
        if self.status is not Status.ANNOUNCED:
            raise InvalidTransition(
                message=f"项目当前为“{STATUS_ZH[self.status]}”，只有公示中的项目可以提出异议",
                message_en=f"The project is {self.status.value}; objections are raised during the announcement",
                extra={"status": self.status.value},
            )
        if not text.strip():
            raise ValidationFailed(
                message="异议须写明内容",
                message_en="An objection needs a text",
                details=[FieldProblem("text", "不能为空", "must not be blank")],
            )
        objection = Objection(uuid.uuid4().hex, text.strip(), received_offline, actor, now)
        self.objections.append(objection)
        self._record(
            ev.ObjectionRaised(
                **self._ids(),
                objection_id=objection.id,
                text=objection.text,
                received_offline=received_offline,
            ),
            actor,
            now,
        )

    def resolve_objection(
        self, objection_id: str, *, upheld: bool, reason: str, actor: Actor, now: datetime
    ) -> None:
        """Upheld: back for re-declaration (only while announced). Dismissed: with a reason."""
        objection = self.objection(objection_id)
        if not objection.open:
            raise InvalidTransition(
                message="该异议已处理，不能重复处理",
                message_en="The objection is resolved already",
            )
        self._require_independent(
            actor,
            {objection.by.id},
            action="处理",
            action_en="resolve it",
            because="这条异议由您提出",
            because_en="You raised this objection",
        )
        if not reason.strip():
            raise ValidationFailed(
                message="处理异议须写明理由",
                message_en="Resolving an objection needs a reason",
                details=[FieldProblem("reason", "不能为空", "must not be blank")],
            )
        if upheld:
            self._require(Status.ANNOUNCED, action="维持异议并退回", action_en="uphold")
        objection.outcome = "upheld" if upheld else "dismissed"
        objection.reason = reason.strip()
        objection.resolved_by = actor
        objection.resolved_at = now
        if upheld:
            self.status = Status.RETURNED
            self._record(
                ev.ObjectionUpheld(
                    **self._ids(), objection_id=objection.id, reason=objection.reason
                ),
                actor,
                now,
            )
        else:
            self._record(
                ev.ObjectionDismissed(
                    **self._ids(), objection_id=objection.id, reason=objection.reason
                ),
                actor,
                now,
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
        request: RequestMark | None = None,
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
        stage.reports.append(
            StageReport(status, percent, narrative, attachments, late, actor, now, request)
        )
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

    def holds_request(self, request: RequestMark | None) -> bool:
        """Whether a stage or weekly report was appended by this request (a retry whose
        first answer was lost). The same key from another body is refused (422)."""
        marks = [r.request for stage in self.stages for r in stage.reports]
        marks += [r.request for r in self.weekly_reports]
        return already_applied(marks, request)

    @property
    def first_unflagged_month(self) -> str | None:
        """The earliest stage month with no report that is not flagged overdue yet (in
        execution only): the first month `detect_overdue` will flag once it is over.
        Stored beside the project, so the hourly check reads only the projects it
        may change instead of every project in execution."""
        if self.status is not Status.IN_EXECUTION:
            return None
        open_months = [s.month for s in self.stages if not s.reports and s.overdue_since is None]
        return min(open_months, default=None)

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
        request: RequestMark | None = None,
    ) -> None:
        self._require(Status.IN_EXECUTION, action="提交周报", action_en="submit a weekly report")
        if any(r.week == week for r in self.weekly_reports):
            raise Conflict(
                message=f"{week} 的周报已提交",
                message_en=f"The weekly report for {week} exists already",
            )
        self.weekly_reports.append(
            WeeklyReport(week, key_tasks, narrative, actor, now, attachments, request)
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
        self._require_independent(actor, self.authors, action="年终评价", action_en="evaluate it")
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

    # ---- mid-year change or withdrawal (变更 / 撤销) ----------------------------
    @property
    def pending_change(self) -> ChangeRequest | None:
        return next((r for r in self.change_requests if r.pending), None)

    def request_change(
        self,
        kind: ChangeKind,
        *,
        reason: str,
        changes: PlanChanges | None,
        today: date,
        actor: Actor,
        now: datetime,
        categories: tuple[str, ...] = (),
    ) -> None:
        action = "申请变更" if kind is ChangeKind.CHANGE else "申请撤销"
        self._require(*CHANGEABLE, action=action, action_en=f"request a {kind.value}")
        pending = self.pending_change
        if pending is not None:
            raise InvalidTransition(
                message=f"已有一项待上级审批的{_CHANGE_ZH[pending.kind]}申请，审批后方可再次申请",
                message_en=f"A {pending.kind.value} request awaits the level above's decision",
                extra={"request_id": pending.id},
            )
        if not reason.strip():
            raise ValidationFailed(
                message=f"{action}须写明理由",
                message_en="A change or withdrawal request needs a reason",
                details=[FieldProblem("reason", "不能为空", "must not be blank")],
            )
        if kind is ChangeKind.WITHDRAWAL:
            if changes is not None:
                raise ValidationFailed(
                    message="撤销申请不填写变更内容",
                    message_en="A withdrawal request carries no changes",
                    details=[FieldProblem("changes", "撤销时须为空", "must be empty")],
                )
        else:
            self._changed_declaration(changes, today, categories)
        request = ChangeRequest(uuid.uuid4().hex, kind, reason.strip(), changes, actor, now)
        self.change_requests.append(request)
        self._record(
            ev.ChangeRequested(
                **self._ids(),
                request_id=request.id,
                kind=kind,
                reason=request.reason,
                changes=changes,
            ),
            actor,
            now,
        )

    def decide_change(
        self,
        request_id: str,
        *,
        approve: bool,
        reasons: tuple[str, ...],
        comment: str | None,
        today: date,
        actor: Actor,
        now: datetime,
        categories: tuple[str, ...] = (),
    ) -> None:
        request = next((r for r in self.change_requests if r.id == request_id), None)
        if request is None:
            raise NotFound(
                message=f"本项目没有编号为 {request_id} 的变更或撤销申请",
                message_en=f"The project has no change or withdrawal request {request_id}",
            )
        if not request.pending:
            raise InvalidTransition(
                message="该申请已审批，不能重复审批",
                message_en="The request is decided already",
            )
        self._require_independent(
            actor,
            {request.by.id},
            action="审批",
            action_en="decide on it",
            because="这项申请由您提出",
            because_en="You made this request",
        )
        action = "审批变更" if request.kind is ChangeKind.CHANGE else "审批撤销"
        self._require(*CHANGEABLE, action=action, action_en=f"decide on a {request.kind.value}")
        reasons = tuple(r for r in reasons if r.strip())
        if not approve:
            if not reasons:
                raise ValidationFailed(
                    message="不同意须写明理由",
                    message_en="Rejecting a request needs a reason",
                    details=[
                        FieldProblem("reasons", "至少填写一条理由", "give at least one reason")
                    ],
                )
            self._decided(request, "rejected", reasons, comment, actor, now)
            self._record(
                ev.ChangeRejected(
                    **self._ids(), request_id=request.id, kind=request.kind, reasons=list(reasons)
                ),
                actor,
                now,
            )
            return
        if request.kind is ChangeKind.WITHDRAWAL:
            self._decided(request, "approved", reasons, comment, actor, now)
            self.status = Status.WITHDRAWN
            self._record(
                ev.ProjectWithdrawn(
                    **self._ids(), request_id=request.id, reason=request.reason, comment=comment
                ),
                actor,
                now,
            )
            return
        # Checked again: a month may have passed since the request, freezing its tasks.
        changed, names = self._changed_declaration(request.changes, today, categories)
        self._decided(request, "approved", reasons, comment, actor, now)
        before = {s.month for s in self.stages} or {t.month for t in self.declaration.stage_tasks}
        self.revisions.append(changed)
        if self.stages:
            self._replan()
        after = {t.month for t in changed.stage_tasks}
        self._record(
            ev.ChangeApproved(
                **self._ids(),
                request_id=request.id,
                revision=self.revision,
                changed_fields=names,
                removed_months=sorted(before - after),
                form=ev.DeclarationForm(**_form_payload(changed)),
                comment=comment,
            ),
            actor,
            now,
        )

    def _decided(
        self,
        request: ChangeRequest,
        decision: str,
        reasons: tuple[str, ...],
        comment: str | None,
        actor: Actor,
        now: datetime,
    ) -> None:
        request.decision = decision
        request.decision_reasons = reasons
        request.comment = comment
        request.decided_by = actor
        request.decided_at = now

    def _changed_declaration(
        self, changes: PlanChanges | None, today: date, categories: tuple[str, ...]
    ) -> tuple[Declaration, list[str]]:
        """The declaration with the changes applied, and the names of the fields that changed."""
        given = {} if changes is None else changes.model_dump(exclude_none=True)
        current = self.declaration
        replaced: dict[str, Any] = {}
        for name in given:
            value = getattr(changes, name)
            if isinstance(value, list):
                value = tuple(value)
            if value != getattr(current, name):
                replaced[name] = value
        if not replaced:
            raise ValidationFailed(
                message="变更申请须至少改动一项内容（目标、评价标准、完成时限、阶段任务等）",
                message_en="A change request must change at least one field",
                details=[FieldProblem("changes", "没有任何改动", "nothing changes")],
            )
        changed = dataclasses.replace(current, **replaced)
        problems = changed.problems(self.year, categories)
        problems += self._frozen_month_problems(changed, today)
        if problems:
            raise ValidationFailed(
                message="变更后的实施方案有误，请按提示修改",
                message_en="The plan after the change has problems to fix",
                details=problems,
            )
        return changed, sorted(replaced)

    def _frozen_month_problems(self, changed: Declaration, today: date) -> list[FieldProblem]:
        """Months already past, and months already reported, keep their stage tasks."""
        reported = {s.month for s in self.stages if s.reports}
        current = month_of(today)

        def tasks(form: Declaration, month: str) -> list[StageTask]:
            return [t for t in form.stage_tasks if t.month == month]

        months = {t.month for t in (*self.declaration.stage_tasks, *changed.stage_tasks)}
        return [
            FieldProblem(
                "changes.stage_tasks",
                f"{month} 的阶段任务已过期或已报告，不能变更",
                f"The stage tasks of {month} are past or reported and cannot change",
            )
            for month in sorted(months)
            if (month < current or month in reported)
            and tasks(self.declaration, month) != tasks(changed, month)
        ]

    def _replan(self) -> None:
        """Stages after an approved change: kept months keep their reports and flags."""
        kept = {s.month: s for s in self.stages}
        by_month: dict[str, list[StageTask]] = {}
        for task in self.declaration.stage_tasks:
            by_month.setdefault(task.month, []).append(task)
        stages: list[Stage] = []
        for month, tasks in sorted(by_month.items()):
            stage = kept.get(month) or Stage(month=month, tasks=())
            stage.tasks = tuple(tasks)
            stages.append(stage)
        self.stages = stages

    # ---- the division tree ---------------------------------------------------
    def transfer_unit(
        self, successor: str, secretary: str, reason: str, actor: Actor, now: datetime
    ) -> bool:
        """村并村: the project's unit was merged into `successor`, which carries it on.

        Only an open project moves (a final one stays with the merged unit, as its
        record). True when it moved; False when there is nothing to do (final, or
        already the successor's: a repeated transfer moves nothing twice).
        """
        if self.status in PROJECT_FINAL or self.unit_code == successor:
            return False
        merged = self.unit_code
        self.unit_code = successor
        self._record(
            ev.ProjectUnitTransferred(
                **self._ids(), from_unit=merged, secretary=secretary, reason=reason
            ),
            actor,
            now,
        )
        return True

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
        self,
        actor: Actor,
        involved: set[str],
        *,
        action: str,
        action_en: str,
        because: str = "本项目由您申报、上报或申请验收",
        because_en: str = "You declared, submitted or put up this project for acceptance",
    ) -> None:
        """Nobody judges a project they declared or submitted themselves (审用分离)."""
        if actor.id in involved:
            raise Forbidden(
                message=f"{because}，您不能{action}；请由上级单位的其他人员办理",
                message_en=f"{because_en}, so you cannot {action_en}; another person of the "
                "level above must",
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


_CHANGE_ZH = {ChangeKind.CHANGE: "变更", ChangeKind.WITHDRAWAL: "撤销"}


def _check_criteria(criteria: tuple[CriterionJudgement, ...]) -> None:
    """All four criteria once each, or none (a review judged on the scores alone)."""
    if not criteria:
        return
    judged = [c.criterion for c in criteria]
    missing = [c for c in ReviewCriterion if c not in judged]
    repeated = sorted({c for c in judged if judged.count(c) > 1})
    if missing or repeated:
        problems = [
            FieldProblem("criteria", f"缺少“{REVIEW_CRITERION_ZH[c]}”", f"{c.value} is missing")
            for c in missing
        ] + [
            FieldProblem("criteria", f"“{REVIEW_CRITERION_ZH[c]}”重复", f"{c.value} repeats")
            for c in repeated
        ]
        raise ValidationFailed(
            message="研判原则须逐条判断：切口小、有难度、示范强、能完成，各一次",
            message_en="Judge each review criterion exactly once (or none)",
            details=problems,
        )


def _criterion_reason(judgement: CriterionJudgement) -> str:
    name = REVIEW_CRITERION_ZH[judgement.criterion]
    comment = (judgement.comment or "").strip()
    return f"未达到“{name}”" + (f"：{comment}" if comment else "")
