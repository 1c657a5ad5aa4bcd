"""The project year as a state machine (pure domain, no I/O)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from lingban_contracts import Actor
from lingban_contracts.events.projects import Rating, ReviewScores, StageStatus
from lingban_kit.errors import Conflict, InvalidTransition, ValidationFailed
from lingban_projects.projects.domain import Project, Status, rating_for

from .builders import VILLAGE, declaration

UNIT = Actor(id="village-secretary")
ABOVE = Actor(id="township-secretary")
NOW = datetime(2026, 2, 1, tzinfo=UTC)
GOOD = ReviewScores(feasibility=85, precision=80, effectiveness=90)


def types(project: Project) -> list[str]:
    names = [e.type.split(".")[2] for e in project.pending_events]
    project.pending_events.clear()
    return names


def executing() -> Project:
    project = Project.declare(VILLAGE, 2026, declaration(), UNIT, NOW)
    project.submit("340881100000", UNIT, NOW)
    project.review(approve=True, scores=GOOD, reasons=(), comment=None, actor=ABOVE, now=NOW)
    project.file(ABOVE, NOW)
    project.announce(date(2026, 2, 2), date(2026, 2, 8), ABOVE, NOW)
    project.start_execution(date(2026, 2, 9), ABOVE, NOW)
    project.pending_events.clear()
    return project


def report(
    project: Project,
    month: str,
    today: date,
    status: StageStatus = StageStatus.DONE,
    percent: int = 100,
) -> None:
    project.report_stage(
        month,
        status=status,
        percent=percent,
        narrative="进展顺利",
        attachments=(),
        today=today,
        actor=UNIT,
        now=NOW,
    )


def test_return_revise_and_resubmit_keeps_every_version_and_review() -> None:
    project = Project.declare(VILLAGE, 2026, declaration(), UNIT, NOW)
    project.submit("340881100000", UNIT, NOW)
    project.review(
        approve=False,
        scores=ReviewScores(feasibility=40, precision=50, effectiveness=55),
        reasons=("措施不具体",),
        comment=None,
        actor=ABOVE,
        now=NOW,
    )
    assert project.status is Status.RETURNED
    project.revise(declaration(title="老旧小区加装电梯（修订）"), UNIT, NOW)
    assert project.status.value == "draft"  # (mypy narrows the enum after the first check)
    project.submit("340881100000", UNIT, NOW)
    project.review(approve=True, scores=GOOD, reasons=(), comment="可行", actor=ABOVE, now=NOW)
    assert types(project) == [
        "project-declared",
        "project-submitted",
        "project-returned",
        "project-revised",
        "project-submitted",
        "project-approved",
    ]
    assert project.revision == 2
    assert [r.title for r in project.revisions] == ["老旧小区加装电梯", "老旧小区加装电梯（修订）"]
    assert [(r.revision, r.decision) for r in project.reviews] == [(1, "returned"), (2, "approved")]
    assert project.version == 6


def test_approval_needs_every_score_at_the_threshold() -> None:
    project = Project.declare(VILLAGE, 2026, declaration(), UNIT, NOW)
    project.submit("340881100000", UNIT, NOW)
    with pytest.raises(ValidationFailed) as caught:
        project.review(
            approve=True,
            scores=ReviewScores(feasibility=90, precision=59, effectiveness=90),
            reasons=(),
            comment=None,
            actor=ABOVE,
            now=NOW,
        )
    assert [d.field for d in caught.value.details] == ["scores.precision"]
    assert project.status is Status.SUBMITTED


def test_a_return_needs_a_reason() -> None:
    project = Project.declare(VILLAGE, 2026, declaration(), UNIT, NOW)
    project.submit("340881100000", UNIT, NOW)
    with pytest.raises(ValidationFailed):
        project.review(
            approve=False, scores=GOOD, reasons=("  ",), comment=None, actor=ABOVE, now=NOW
        )


def test_steps_out_of_order_are_refused_with_the_current_status() -> None:
    project = Project.declare(VILLAGE, 2026, declaration(), UNIT, NOW)
    with pytest.raises(InvalidTransition) as caught:
        project.file(ABOVE, NOW)
    assert "草稿" in caught.value.message
    assert caught.value.extra == {"status": "draft"}


def test_execution_starts_only_after_the_announcement_period() -> None:
    project = Project.declare(VILLAGE, 2026, declaration(), UNIT, NOW)
    project.submit("340881100000", UNIT, NOW)
    project.review(approve=True, scores=GOOD, reasons=(), comment=None, actor=ABOVE, now=NOW)
    project.file(ABOVE, NOW)
    project.announce(date(2026, 2, 2), date(2026, 2, 8), ABOVE, NOW)
    assert not project.announcement_over(date(2026, 2, 8))
    with pytest.raises(InvalidTransition):
        project.start_execution(date(2026, 2, 8), ABOVE, NOW)
    project.start_execution(date(2026, 2, 9), ABOVE, NOW)
    assert project.status is Status.IN_EXECUTION
    assert [s.month for s in project.stages] == ["2026-03", "2026-04", "2026-05", "2026-06"]
    assert project.pending_events[-1].data["stage_months"] == [
        "2026-03",
        "2026-04",
        "2026-05",
        "2026-06",
    ]


def test_stage_reports_follow_the_calendar() -> None:
    project = executing()
    with pytest.raises(ValidationFailed, match="not started"):
        report(project, "2026-04", today=date(2026, 3, 20))
    with pytest.raises(ValidationFailed, match="100%"):
        report(project, "2026-03", today=date(2026, 3, 20), percent=90)
    report(project, "2026-03", today=date(2026, 3, 20), status=StageStatus.PARTLY, percent=60)
    report(project, "2026-03", today=date(2026, 4, 2))  # done, a little late
    assert types(project) == ["stage-reported", "stage-reported", "stage-completed"]
    stage = project.stage("2026-03")
    assert stage.status == "done"
    assert [r.late for r in stage.reports] == [False, True]
    with pytest.raises(InvalidTransition, match="already completed"):
        report(project, "2026-03", today=date(2026, 4, 3))


def test_an_unreported_month_is_overdue_once() -> None:
    project = executing()
    report(project, "2026-03", today=date(2026, 3, 25))
    project.pending_events.clear()
    assert project.detect_overdue(date(2026, 4, 30), ABOVE, NOW) == []  # April not over yet
    assert project.detect_overdue(date(2026, 5, 1), ABOVE, NOW) == ["2026-04"]
    assert project.detect_overdue(date(2026, 5, 2), ABOVE, NOW) == []  # flagged already
    assert types(project) == ["stage-overdue"]
    assert project.stage("2026-04").status == "overdue"


def test_the_first_unflagged_month_moves_on_with_reports_and_flags() -> None:
    # What the hourly check looks up instead of reading every project in execution.
    project = executing()
    months = [s.month for s in project.stages]
    assert project.first_unflagged_month == months[0] == "2026-03"
    report(project, "2026-03", today=date(2026, 3, 25))
    assert project.first_unflagged_month == "2026-04"
    project.detect_overdue(date(2026, 5, 1), ABOVE, NOW)  # April flagged, May still open
    assert project.first_unflagged_month == "2026-05"
    for month in months[2:]:
        report(project, month, today=date(2026, 12, 1))
    assert project.first_unflagged_month is None
    draft = Project.declare(VILLAGE, 2026, declaration(), UNIT, NOW)
    assert draft.first_unflagged_month is None  # not in execution: nothing to flag


def test_completion_needs_every_stage_struck_off_and_can_be_sent_back() -> None:
    project = executing()
    report(project, "2026-03", today=date(2026, 3, 25))
    with pytest.raises(InvalidTransition) as caught:
        project.request_completion("完成", UNIT, NOW)
    assert "2026-04、2026-05、2026-06" in caught.value.message
    for month in ("2026-04", "2026-05", "2026-06"):
        report(project, month, today=date(2026, 6, 30))
    project.request_completion("全部完成", UNIT, NOW)
    project.decide_completion(
        accept=False, reasons=("资料不全",), comment=None, actor=ABOVE, now=NOW
    )
    assert project.status is Status.IN_EXECUTION
    project.request_completion("资料已补齐", UNIT, NOW)
    project.decide_completion(accept=True, reasons=(), comment="同意验收", actor=ABOVE, now=NOW)
    assert project.status.value == "completed"
    assert types(project)[-4:] == [
        "completion-requested",
        "completion-rejected",
        "completion-requested",
        "completion-accepted",
    ]


def test_weekly_report_once_per_week() -> None:
    project = executing()
    project.submit_weekly_report("2026-W12", ("摸排",), "本周完成摸排", UNIT, NOW)
    with pytest.raises(Conflict):
        project.submit_weekly_report("2026-W12", ("摸排",), "again", UNIT, NOW)


@pytest.mark.parametrize(
    ("scores", "rating"),
    [
        ((90, 90, 90), Rating.EXCELLENT),
        ((89, 90, 90), Rating.GOOD),
        ((75, 75, 75), Rating.GOOD),
        ((74, 75, 75), Rating.AVERAGE),
        ((60, 60, 60), Rating.AVERAGE),
        ((59, 60, 60), Rating.POOR),
    ],
)
def test_rating_from_the_three_questions(scores: tuple[int, int, int], rating: Rating) -> None:
    assert rating_for(round(sum(scores) / 3, 1)) is rating


def test_only_an_excellent_project_becomes_a_model_case() -> None:
    project = executing()
    with pytest.raises(ValidationFailed):
        project.evaluate(
            governance_effect=80,
            problem_solved=80,
            plan_completed=80,
            model_case=True,
            comment=None,
            actor=ABOVE,
            now=NOW,
        )
    project.evaluate(
        governance_effect=95,
        problem_solved=92,
        plan_completed=90,
        model_case=True,
        comment="典型",
        actor=ABOVE,
        now=NOW,
    )
    assert project.status is Status.EVALUATED
    assert project.evaluation is not None
    assert project.evaluation.total == 92.3
    assert project.pending_events[-1].data["rating"] == "excellent"
