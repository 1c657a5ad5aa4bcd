"""Payloads of the projects service (书记领办项目), topic `lingban.projects.project.v1`.

Every payload repeats `project_id`, `unit_code` and `year`, so a subscriber
can file any single event without having seen the project's earlier ones.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

# Re-exported: the shared file reference, as this module has always named it.
from lingban_contracts.attachments import Attachment as Attachment
from lingban_contracts.base import EventData
from lingban_contracts.regions import RegionCode
from lingban_contracts.topics import PROJECTS

TOPIC = PROJECTS


class _Part(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class StageTask(_Part):
    """One monthly stage task of the progress plan (按月细化阶段任务)."""

    month: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM")
    task: str = Field(min_length=1, max_length=500)
    deliverable: str = Field(min_length=1, max_length=500)
    owner: str | None = Field(default=None, max_length=100, description="Who answers for it")


class PreApprovalStep(_Part):
    """Investigation, collective study, filing, announcement (深入调查 … 公示公开)."""

    step: str = Field(description="investigation | collective_study | filing | announcement")
    done_on: date
    note: str | None = Field(default=None, max_length=1000)


class ReviewScores(_Part):
    """The level above's judgement (研判), each 0-100."""

    feasibility: int = Field(ge=0, le=100, description="可行性")
    precision: int = Field(ge=0, le=100, description="精准性 of the problem addressed")
    effectiveness: int = Field(ge=0, le=100, description="实效性 of the expected result")


class StageStatus(enum.StrEnum):
    DONE = "done"
    PARTLY = "partly"
    BLOCKED = "blocked"


class Rating(enum.StrEnum):
    EXCELLENT = "excellent"  # 优秀
    GOOD = "good"  # 良好
    AVERAGE = "average"  # 一般
    POOR = "poor"  # 较差


class ProjectEvent(EventData):
    project_id: str
    unit_code: RegionCode
    year: int


class DeclarationForm(_Part):
    """The declaration form (申报表) with its implementation plan (实施方案)."""

    title: str
    category: str
    problem: str = Field(description="The difficulty it addresses (难点、堵点、痛点).")
    expected_goals: str
    evaluation_criteria: str
    lead_secretary: str
    task_force: list[str]
    deadline: date
    responsibility_statement: str | None = None
    topic_source: str | None = Field(default=None, description="assigned (点题) | chosen (选题)")
    stage_tasks: list[StageTask]
    pre_approval_steps: list[PreApprovalStep] = Field(default_factory=list)
    attachments: list[Attachment] = Field(
        default_factory=list, description="责任书、前置程序会议纪要等附件"
    )


class ProjectDeclared(ProjectEvent):
    """The first version of the declaration (a draft of the unit's)."""

    title: str
    category: str
    problem: str = Field(description="The difficulty it addresses (难点、堵点、痛点).")
    expected_goals: str
    evaluation_criteria: str
    lead_secretary: str
    task_force: list[str]
    deadline: date
    stage_tasks: list[StageTask]
    responsibility_statement: str | None = None
    topic_source: str | None = None
    pre_approval_steps: list[PreApprovalStep] = Field(default_factory=list)
    attachments: list[Attachment] = Field(
        default_factory=list, description="责任书、前置程序会议纪要等附件"
    )


class ProjectRevised(ProjectEvent):
    """The unit changed its draft (after a return: the re-declaration, 重新申报)."""

    revision: int = Field(ge=2)
    form: DeclarationForm


class ProjectSubmitted(ProjectEvent):
    """The draft went to the level above for review (上报)."""

    revision: int = Field(ge=1)
    reviewer_unit: RegionCode


class ProjectReturned(ProjectEvent):
    """Returned for re-declaration (退回重新申报) with reasons."""

    revision: int
    scores: ReviewScores
    reasons: list[str] = Field(min_length=1)


class ProjectApproved(ProjectEvent):
    revision: int
    scores: ReviewScores
    comment: str | None = None


class ProjectFiled(ProjectEvent):
    """Filed with the level above (备案)."""

    filing_number: str


class ProjectAnnounced(ProjectEvent):
    """Public announcement (公示) for a period; execution starts after it."""

    starts_on: date
    ends_on: date


class ProjectExecutionStarted(ProjectEvent):
    """The announcement period ended without objection: the project is in execution."""

    stage_months: list[str]
    lead_secretary: str
    deadline: date


class StageReported(ProjectEvent):
    """Monthly progress on one stage task (月报告)."""

    month: str
    status: StageStatus
    percent: int = Field(ge=0, le=100)
    narrative: str
    attachments: list[Attachment] = Field(default_factory=list)
    late: bool = Field(description="Reported after the stage month was over")


class StageCompleted(ProjectEvent):
    """A stage is done and struck off (办结一件、销号一件)."""

    month: str


class StageOverdue(ProjectEvent):
    """A stage's month passed without a report."""

    month: str
    task: str
    detected_on: date


class WeeklyReportSubmitted(ProjectEvent):
    """Weekly report on key tasks (一周一报告)."""

    week: str = Field(pattern=r"^\d{4}-W\d{2}$", description="ISO week, e.g. 2026-W14")
    key_tasks: list[str]
    narrative: str
    attachments: list[Attachment] = Field(default_factory=list)


class CompletionRequested(ProjectEvent):
    summary: str


class CompletionAccepted(ProjectEvent):
    comment: str | None = None


class CompletionRejected(ProjectEvent):
    reasons: list[str] = Field(min_length=1)


class ProjectEvaluated(ProjectEvent):
    """Year-end evaluation (年底评): the three questions, a rating, maybe a model case."""

    governance_effect: int = Field(ge=0, le=100, description="治理成效")
    problem_solved: int = Field(ge=0, le=100, description="难点问题解决")
    plan_completed: int = Field(ge=0, le=100, description="既定计划完成")
    total: float
    rating: Rating
    model_case: bool = Field(description="一项目一典型")
    evaluated_at: datetime


EVENTS: tuple[tuple[str, type[EventData], str], ...] = (
    (
        "lingban.projects.project-declared.v1",
        ProjectDeclared,
        "A unit declared a project (申报): the first version of its declaration form.",
    ),
    (
        "lingban.projects.project-revised.v1",
        ProjectRevised,
        "The unit revised its declaration (re-declaration after a return).",
    ),
    (
        "lingban.projects.project-submitted.v1",
        ProjectSubmitted,
        "The declaration was submitted to the level above for review (上报研判).",
    ),
    (
        "lingban.projects.project-returned.v1",
        ProjectReturned,
        "The level above returned the declaration with reasons (退回重新申报).",
    ),
    (
        "lingban.projects.project-approved.v1",
        ProjectApproved,
        "The level above approved the declaration (研判通过).",
    ),
    ("lingban.projects.project-filed.v1", ProjectFiled, "The project was filed (备案)."),
    (
        "lingban.projects.project-announced.v1",
        ProjectAnnounced,
        "The project is publicly announced for a period (公示).",
    ),
    (
        "lingban.projects.project-execution-started.v1",
        ProjectExecutionStarted,
        "The announcement period ended; the project is in execution.",
    ),
    (
        "lingban.projects.stage-reported.v1",
        StageReported,
        "Monthly progress on a stage task (月报告).",
    ),
    (
        "lingban.projects.stage-completed.v1",
        StageCompleted,
        "A stage task was completed and struck off (办结销号).",
    ),
    (
        "lingban.projects.stage-overdue.v1",
        StageOverdue,
        "A stage month passed without a progress report.",
    ),
    (
        "lingban.projects.weekly-report-submitted.v1",
        WeeklyReportSubmitted,
        "Weekly report on key tasks (一周一报告).",
    ),
    (
        "lingban.projects.completion-requested.v1",
        CompletionRequested,
        "The unit requested acceptance of the finished project.",
    ),
    (
        "lingban.projects.completion-accepted.v1",
        CompletionAccepted,
        "The level above accepted the project as complete (验收通过).",
    ),
    (
        "lingban.projects.completion-rejected.v1",
        CompletionRejected,
        "The level above sent the completion back with reasons.",
    ),
    (
        "lingban.projects.project-evaluated.v1",
        ProjectEvaluated,
        "Year-end evaluation with rating and model-case mark (年底评).",
    ),
)
