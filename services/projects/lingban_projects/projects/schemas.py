"""HTTP request and response bodies of the project API."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from lingban_contracts import Actor
from lingban_contracts.divisions import DivisionTree
from lingban_contracts.events.projects import (
    Attachment,
    ChangeKind,
    CriterionJudgement,
    PlanChanges,
    PreApprovalStep,
    ReviewScores,
    StageStatus,
    StageTask,
)
from lingban_contracts.regions import RegionCode
from lingban_contracts.statuses import PROJECT_KIND_ZH, ProjectKind
from lingban_projects.projects.domain import (
    STATUS_ZH,
    ChangeRequest,
    CompletionDecision,
    Declaration,
    Evaluation,
    HistoryEntry,
    Objection,
    Project,
    Review,
    WeeklyReport,
)


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


# Every list item is bounded too: a list's length alone does not bound the
# event a command writes (and an event must fit the kit's event budget).
Name = Annotated[str, Field(max_length=100)]
Item = Annotated[str, Field(max_length=500)]


class DeclarationFormIn(_In):
    title: str = Field(min_length=2, max_length=200)
    category: str = Field(min_length=1, max_length=50)
    kind: ProjectKind = Field(
        default=ProjectKind.SECRETARY_PROJECT,
        description="secretary_project（书记项目，默认）或 secretary_led_item（书记领办事项）",
    )
    problem: str = Field(min_length=1, max_length=4000, description="难点、堵点、痛点")
    expected_goals: str = Field(min_length=1, max_length=4000)
    evaluation_criteria: str = Field(min_length=1, max_length=4000)
    lead_secretary: str = Field(min_length=1, max_length=100)
    task_force: list[Name] = Field(min_length=1, max_length=50, description="工作专班成员")
    deadline: date
    stage_tasks: list[StageTask] = Field(max_length=60)
    responsibility_statement: str | None = Field(
        default=None, max_length=4000, description="责任书"
    )
    topic_source: Literal["assigned", "chosen"] | None = Field(
        default=None, description="点题 / 选题"
    )
    pre_approval_steps: list[PreApprovalStep] = Field(default_factory=list, max_length=10)
    attachments: list[Attachment] = Field(
        default_factory=list,
        max_length=20,
        description="责任书、会议纪要等：先上传到 POST /v1/files，再在此引用其返回值",
    )

    def to_domain(self) -> Declaration:
        fields = dict(self)  # shallow: keeps the nested models
        fields.update(
            task_force=tuple(self.task_force),
            stage_tasks=tuple(self.stage_tasks),
            pre_approval_steps=tuple(self.pre_approval_steps),
            attachments=tuple(self.attachments),
        )
        return Declaration(**fields)


class DeclarationIn(DeclarationFormIn):
    unit_code: RegionCode = Field(description="12-digit division code of the declaring unit")
    year: int = Field(ge=2000, le=2100)

    def to_domain(self) -> Declaration:
        fields = dict(self)
        fields.pop("unit_code")
        fields.pop("year")
        return DeclarationFormIn(**fields).to_domain()


class SubmitIn(_In):
    pass


class ReviewIn(_In):
    decision: Literal["approve", "return"]
    scores: ReviewScores
    reasons: list[Item] = Field(default_factory=list, max_length=20)
    comment: str | None = Field(default=None, max_length=2000)
    criteria: list[CriterionJudgement] = Field(
        default_factory=list,
        max_length=4,
        description="切口小、有难度、示范强、能完成：四项逐条判断（或都不填）；"
        "通过须四项均达到，退回须有理由或至少一项未达到",
    )


class ObjectionIn(_In):
    text: str = Field(min_length=1, max_length=2000, description="异议内容")
    received_offline: bool = Field(
        default=False, description="组织部登记线下（来信、来电、来访）收到的异议"
    )


class ObjectionResolutionIn(_In):
    upheld: bool = Field(description="true：异议成立，退回重新申报；false：驳回异议")
    reason: str = Field(min_length=1, max_length=2000, description="处理理由")


class PlanChangesIn(_In):
    """The fields to change; leave out what stays (bounded like the declaration form)."""

    title: str | None = Field(default=None, min_length=2, max_length=200)
    expected_goals: str | None = Field(default=None, min_length=1, max_length=4000)
    evaluation_criteria: str | None = Field(default=None, min_length=1, max_length=4000)
    lead_secretary: str | None = Field(default=None, min_length=1, max_length=100)
    task_force: list[Name] | None = Field(default=None, min_length=1, max_length=50)
    deadline: date | None = None
    stage_tasks: list[StageTask] | None = Field(
        default=None, max_length=60, description="新的全部阶段任务；已过去或已报告的月份须保持不变"
    )

    def to_contract(self) -> PlanChanges:
        return PlanChanges.model_validate(self.model_dump(exclude_none=True))


class ChangeRequestIn(_In):
    kind: ChangeKind = Field(description="change（变更）或 withdrawal（撤销）")
    reason: str = Field(min_length=1, max_length=2000, description="申请理由")
    changes: PlanChangesIn | None = Field(default=None, description="变更内容（撤销时不填）")


class ChangeDecisionIn(_In):
    approve: bool
    reasons: list[Item] = Field(default_factory=list, max_length=20, description="不同意时至少一条")
    comment: str | None = Field(default=None, max_length=2000)


class AnnouncementIn(_In):
    starts_on: date
    ends_on: date


class StageReportIn(_In):
    status: StageStatus
    percent: int = Field(ge=0, le=100)
    narrative: str = Field(min_length=1, max_length=4000)
    attachments: list[Attachment] = Field(
        default_factory=list,
        max_length=20,
        description="会议记录、照片等：先上传到 POST /v1/files，再在此引用其返回值",
    )


class WeeklyReportIn(_In):
    week: str = Field(
        pattern=r"^\d{4}-W(0[1-9]|[1-4]\d|5[0-3])$", description="ISO week, e.g. 2026-W14"
    )
    key_tasks: list[Item] = Field(min_length=1, max_length=20)
    narrative: str = Field(min_length=1, max_length=4000)
    attachments: list[Attachment] = Field(default_factory=list, max_length=20)


class CompletionRequestIn(_In):
    summary: str = Field(min_length=1, max_length=4000)


class CompletionDecisionIn(_In):
    accept: bool
    reasons: list[Item] = Field(default_factory=list, max_length=20)
    comment: str | None = Field(default=None, max_length=2000)


class EvaluationIn(_In):
    governance_effect: int = Field(ge=0, le=100, description="治理成效")
    problem_solved: int = Field(ge=0, le=100, description="难点问题解决")
    plan_completed: int = Field(ge=0, le=100, description="既定计划完成")
    model_case: bool = False
    comment: str | None = Field(default=None, max_length=2000)


# Roles that work on projects; leaders and subscribers read figures and outcomes only.
WITHHELD = "Null when a leader or subscriber reads the project (LB-14)"


def _without_comments(reviews: list[Review]) -> list[Review]:
    return [
        dataclasses.replace(
            r,
            comment=None,
            criteria=tuple(c.model_copy(update={"comment": None}) for c in r.criteria),
        )
        for r in reviews
    ]


class ObjectionOut(BaseModel):
    """A 公示 objection; who raised it, its text and the reasons are withheld publicly."""

    id: str
    status: Literal["open", "upheld", "dismissed"]
    status_label: str
    received_offline: bool
    text: str | None = Field(description=WITHHELD)
    raised_by: Actor | None = Field(description=WITHHELD)
    raised_at: datetime
    reason: str | None = Field(description=f"Why it was upheld or dismissed; {WITHHELD}")
    resolved_by: Actor | None
    resolved_at: datetime | None

    @classmethod
    def of(cls, objection: Objection, *, public: bool) -> ObjectionOut:
        status = objection.outcome or "open"
        return cls(
            id=objection.id,
            status=status,
            status_label=OBJECTION_STATUS_ZH[status],
            received_offline=objection.received_offline,
            text=None if public else objection.text,
            raised_by=None if public else objection.by,
            raised_at=objection.at,
            reason=None if public else objection.reason,
            resolved_by=objection.resolved_by,
            resolved_at=objection.resolved_at,
        )


OBJECTION_STATUS_ZH = {"open": "待处理", "upheld": "异议成立", "dismissed": "已驳回"}


class StageOut(BaseModel):
    month: str
    tasks: list[StageTask]
    status: str
    percent: int
    reports: int
    completed_on: date | None
    overdue_since: date | None
    lagging: bool = Field(
        description="滞后: not done, and flagged overdue or last reported partly/blocked"
    )
    attachments: list[Attachment] = Field(description="Files of every report of the stage")


class ProjectOut(BaseModel):
    id: str
    unit_code: str
    unit_name: str | None
    year: int
    kind: ProjectKind
    kind_label: str = Field(description="书记项目 / 书记领办事项")
    status: str
    status_label: str
    version: int
    revision: int
    created_at: datetime
    declaration: Declaration
    reviews: list[Review] = Field(
        description=f"Every review, with its criteria; each comment: {WITHHELD}"
    )
    filing_number: str | None
    announcement: tuple[date, date] | None
    objections: list[ObjectionOut] = Field(description="公示异议, oldest first")
    change_requests: list[ChangeRequest] = Field(
        description=f"变更 / 撤销 requests, oldest first; each decision's comment: {WITHHELD}"
    )
    stages: list[StageOut]
    lagging_months: list[str] = Field(description="Stage months lagging (滞后)")
    weekly_reports: list[WeeklyReport]
    completion_summary: str | None
    completion_decisions: list[CompletionDecision] = Field(
        description=f"Acceptance decisions; each comment: {WITHHELD}"
    )
    evaluation: Evaluation | None = Field(
        description=f"The year-end rating; its comment: {WITHHELD}"
    )

    @classmethod
    def of(cls, project: Project, tree: DivisionTree, *, public: bool = False) -> ProjectOut:
        """`public`: the reviewers' comments withheld (leaders and subscribers)."""
        out = cls._of(project, tree, public)
        if not public:
            return out
        return out.model_copy(
            update={
                "reviews": _without_comments(out.reviews),
                "change_requests": [
                    dataclasses.replace(r, comment=None) for r in out.change_requests
                ],
                "completion_decisions": [
                    dataclasses.replace(d, comment=None) for d in out.completion_decisions
                ],
                "evaluation": out.evaluation and dataclasses.replace(out.evaluation, comment=None),
            }
        )

    @classmethod
    def _of(cls, project: Project, tree: DivisionTree, public: bool) -> ProjectOut:
        unit = tree.get(project.unit_code)
        kind = project.declaration.kind
        return cls(
            id=project.id,
            unit_code=project.unit_code,
            unit_name=unit.name if unit else None,
            year=project.year,
            kind=kind,
            kind_label=PROJECT_KIND_ZH[kind],
            status=project.status.value,
            status_label=STATUS_ZH[project.status],
            version=project.version,
            revision=project.revision,
            created_at=project.created_at,
            declaration=project.declaration,
            reviews=project.reviews,
            filing_number=project.filing_number,
            announcement=project.announcement,
            objections=[ObjectionOut.of(o, public=public) for o in project.objections],
            change_requests=project.change_requests,
            lagging_months=project.lagging_months,
            stages=[
                StageOut(
                    month=s.month,
                    tasks=list(s.tasks),
                    status=s.status,
                    percent=s.percent,
                    reports=len(s.reports),
                    completed_on=s.completed_on,
                    overdue_since=s.overdue_since,
                    lagging=s.month in project.lagging_months,
                    attachments=[a for r in s.reports for a in r.attachments],
                )
                for s in project.stages
            ],
            weekly_reports=project.weekly_reports,
            completion_summary=project.completion_summary,
            completion_decisions=project.completion_decisions,
            evaluation=project.evaluation,
        )


class HistoryOut(BaseModel):
    """Everything that happened, every declaration version and every review."""

    project_id: str
    entries: list[HistoryEntry]
    revisions: list[Declaration]
    reviews: list[Review] = Field(description=f"Every review; each comment: {WITHHELD}")

    @classmethod
    def of(cls, project: Project, *, public: bool = False) -> HistoryOut:
        return cls(
            project_id=project.id,
            entries=project.history,
            revisions=project.revisions,
            reviews=_without_comments(project.reviews) if public else project.reviews,
        )


class UnitOut(BaseModel):
    code: str
    name: str
    level: str
    parent: str | None
    secretary: str
    active: bool = Field(default=True, description="False once merged into another unit")
    merged_into: str | None = None


class CoverageOut(BaseModel):
    """项目申报领办全覆盖: units of the subtree and those still without a project."""

    region: str
    year: int
    units: int
    covered: int
    missing: list[UnitOut]


class DailyChecksOut(BaseModel):
    """What one run of the daily checks changed."""

    execution_started: list[str] = Field(description="Projects whose execution started")
    stages_overdue: list[str] = Field(
        description="Stages newly flagged overdue, as `project_id:YYYY-MM`"
    )
