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
from lingban_contracts.statuses import ProjectKind
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


class ReviewCriterion(enum.StrEnum):
    """The review principle 切口小、有难度、示范强、能完成, one judgement each."""

    SMALL_CUT = "small_cut"  # 切口小
    REAL_DIFFICULTY = "real_difficulty"  # 有难度
    STRONG_EXAMPLE = "strong_example"  # 示范强
    CAN_FINISH = "can_finish"  # 能完成


REVIEW_CRITERION_ZH: dict[ReviewCriterion, str] = {
    ReviewCriterion.SMALL_CUT: "切口小",
    ReviewCriterion.REAL_DIFFICULTY: "有难度",
    ReviewCriterion.STRONG_EXAMPLE: "示范强",
    ReviewCriterion.CAN_FINISH: "能完成",
}


class CriterionJudgement(_Part):
    """Whether the declaration meets one review criterion, with an optional comment."""

    criterion: ReviewCriterion
    met: bool
    comment: str | None = Field(default=None, max_length=1000)


class ChangeKind(enum.StrEnum):
    """What a mid-year request asks of an approved project (变更 / 撤销)."""

    CHANGE = "change"  # 变更: some fields of the plan
    WITHDRAWAL = "withdrawal"  # 撤销: end the project


class PlanChanges(_Part):
    """The fields a change request (变更) replaces; the ones left out stay as they are."""

    title: str | None = None
    expected_goals: str | None = None
    evaluation_criteria: str | None = None
    lead_secretary: str | None = None
    task_force: list[str] | None = None
    deadline: date | None = None
    stage_tasks: list[StageTask] | None = Field(
        default=None, description="The whole new plan; months already past stay as they were"
    )


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
    kind: ProjectKind = Field(
        default=ProjectKind.SECRETARY_PROJECT,
        description="书记项目 or 书记领办事项 (absent before kinds existed: a secretary project)",
    )
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
    kind: ProjectKind = Field(
        default=ProjectKind.SECRETARY_PROJECT,
        description="书记项目 or 书记领办事项 (absent before kinds existed: a secretary project)",
    )
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
    criteria: list[CriterionJudgement] = Field(
        default_factory=list, description="切口小、有难度、示范强、能完成, as judged (may be empty)"
    )


class ProjectApproved(ProjectEvent):
    revision: int
    scores: ReviewScores
    comment: str | None = None
    criteria: list[CriterionJudgement] = Field(
        default_factory=list, description="切口小、有难度、示范强、能完成, as judged (may be empty)"
    )


class ProjectFiled(ProjectEvent):
    """Filed with the level above (备案)."""

    filing_number: str


class ProjectAnnounced(ProjectEvent):
    """Public announcement (公示) for a period; execution starts after it."""

    starts_on: date
    ends_on: date


class ObjectionRaised(ProjectEvent):
    """Someone objected to the announced project (公示异议); it blocks execution until resolved."""

    objection_id: str
    text: str
    received_offline: bool = Field(
        description="Recorded by the organisation department from a letter, call or visit"
    )


class ObjectionUpheld(ProjectEvent):
    """The reviewing level upheld an objection: the project goes back for re-declaration."""

    objection_id: str
    reason: str


class ObjectionDismissed(ProjectEvent):
    """The reviewing level dismissed an objection with a reason; the announcement goes on."""

    objection_id: str
    reason: str


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


class ChangeRequested(ProjectEvent):
    """The unit asked the level above to change (变更) or withdraw (撤销) its approved project."""

    request_id: str
    kind: ChangeKind
    reason: str
    changes: PlanChanges | None = Field(default=None, description="For a change: what changes")


class ChangeRejected(ProjectEvent):
    """The level above turned the change or withdrawal request down; nothing changes."""

    request_id: str
    kind: ChangeKind
    reasons: list[str] = Field(min_length=1)


class ChangeApproved(ProjectEvent):
    """The level above approved a change: `form` is the declaration as it now stands."""

    request_id: str
    revision: int = Field(ge=2)
    changed_fields: list[str] = Field(description="Names of the declaration fields that changed")
    removed_months: list[str] = Field(
        default_factory=list, description="Stage months the plan no longer has (YYYY-MM)"
    )
    form: DeclarationForm
    comment: str | None = None


class ProjectWithdrawn(ProjectEvent):
    """The level above approved the withdrawal (撤销): the project ends here (terminal)."""

    request_id: str
    reason: str
    comment: str | None = None


class ProjectUnitTransferred(ProjectEvent):
    """The project's unit was merged into another (村并村): the successor carries it on.

    `unit_code` is the successor from this event on; every later event names it.
    Only open projects move (not evaluated, not withdrawn); closed ones stay with
    the merged unit, whose name is kept for old records.
    """

    from_unit: RegionCode = Field(description="The merged unit the project belonged to")
    secretary: str = Field(
        default="",
        max_length=50,
        description="The successor's secretary, who answers for the project from now on",
    )
    reason: str = Field(max_length=500, description="The merge's reason (e.g. its approval no.)")


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
        "lingban.projects.objection-raised.v1",
        ObjectionRaised,
        "An objection to an announced project was recorded (公示异议).",
    ),
    (
        "lingban.projects.objection-upheld.v1",
        ObjectionUpheld,
        "An objection was upheld: the project goes back for re-declaration.",
    ),
    (
        "lingban.projects.objection-dismissed.v1",
        ObjectionDismissed,
        "An objection was dismissed with a reason.",
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
        "lingban.projects.change-requested.v1",
        ChangeRequested,
        "The unit requested a change (变更) or withdrawal (撤销) of its approved project.",
    ),
    (
        "lingban.projects.change-rejected.v1",
        ChangeRejected,
        "The level above rejected a change or withdrawal request.",
    ),
    (
        "lingban.projects.change-approved.v1",
        ChangeApproved,
        "The level above approved a change; the declaration now stands as given.",
    ),
    (
        "lingban.projects.project-withdrawn.v1",
        ProjectWithdrawn,
        "The level above approved the withdrawal; the project ends (已撤销).",
    ),
    (
        "lingban.projects.project-evaluated.v1",
        ProjectEvaluated,
        "Year-end evaluation with rating and model-case mark (年底评).",
    ),
    (
        "lingban.projects.project-unit-transferred.v1",
        ProjectUnitTransferred,
        "The project moved to the unit its unit was merged into (村并村).",
    ),
)
