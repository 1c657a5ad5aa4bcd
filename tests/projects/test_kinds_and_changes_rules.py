"""Issue 16's project rules as pure domain (no I/O): kinds, review criteria, 公示
objections, mid-year change and withdrawal (变更 / 撤销), and lagging stages (滞后)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from lingban_contracts import Actor
from lingban_contracts.events.projects import (
    ChangeKind,
    CriterionJudgement,
    PlanChanges,
    ReviewCriterion,
    ReviewScores,
    StageStatus,
    StageTask,
)
from lingban_contracts.statuses import ProjectKind, stage_lagging
from lingban_kit.errors import Forbidden, InvalidTransition, NotFound, ValidationFailed
from lingban_projects.projects.domain import Project, Status

from .builders import VILLAGE, declaration

UNIT = Actor(id="village-secretary")
ABOVE = Actor(id="township-secretary")
NEIGHBOUR = Actor(id="township-staff")
NOW = datetime(2026, 2, 1, tzinfo=UTC)
GOOD = ReviewScores(feasibility=85, precision=80, effectiveness=90)


def all_met(**unmet: str) -> tuple[CriterionJudgement, ...]:
    """The four criteria, met unless named (criterion value -> comment)."""
    return tuple(
        CriterionJudgement(criterion=c, met=c.value not in unmet, comment=unmet.get(c.value))
        for c in ReviewCriterion
    )


def types(project: Project) -> list[str]:
    names = [e.type.split(".")[2] for e in project.pending_events]
    project.pending_events.clear()
    return names


def submitted(**changes: object) -> Project:
    project = Project.declare(VILLAGE, 2026, declaration(**changes), UNIT, NOW)
    project.submit("340881100000", UNIT, NOW)
    return project


def announced() -> Project:
    project = submitted()
    project.review(approve=True, scores=GOOD, reasons=(), comment=None, actor=ABOVE, now=NOW)
    project.file(ABOVE, NOW)
    project.announce(date(2026, 2, 2), date(2026, 2, 8), ABOVE, NOW)
    project.pending_events.clear()
    return project


def executing() -> Project:
    project = announced()
    project.start_execution(date(2026, 2, 9), ABOVE, NOW)
    project.pending_events.clear()
    return project


def report(project: Project, month: str, today: date, status: StageStatus) -> None:
    project.report_stage(
        month,
        status=status,
        percent=100 if status is StageStatus.DONE else 40,
        narrative="进展",
        attachments=(),
        today=today,
        actor=UNIT,
        now=NOW,
    )


# ---- kinds -------------------------------------------------------------------------
def test_the_kind_is_declared_and_carried_in_the_event() -> None:
    project = submitted(kind=ProjectKind.SECRETARY_LED_ITEM)
    assert project.declaration.kind is ProjectKind.SECRETARY_LED_ITEM
    declared = project.pending_events[0]
    assert declared.data["kind"] == "secretary_led_item"


def test_a_declaration_without_a_kind_is_a_secretary_project() -> None:
    assert declaration().kind is ProjectKind.SECRETARY_PROJECT


# ---- review criteria ------------------------------------------------------------------
def test_approval_records_the_four_criteria() -> None:
    project = submitted()
    project.review(
        approve=True,
        scores=GOOD,
        reasons=(),
        comment=None,
        actor=ABOVE,
        now=NOW,
        criteria=all_met(),
    )
    approved = project.pending_events[-1]
    assert [c["criterion"] for c in approved.data["criteria"]] == [
        "small_cut",
        "real_difficulty",
        "strong_example",
        "can_finish",
    ]
    assert project.reviews[-1].criteria == all_met()


def test_a_criterion_not_met_blocks_approval() -> None:
    project = submitted()
    with pytest.raises(ValidationFailed) as refused:
        project.review(
            approve=True,
            scores=GOOD,
            reasons=(),
            comment=None,
            actor=ABOVE,
            now=NOW,
            criteria=all_met(can_finish="年内难以完成"),
        )
    assert "能完成" in refused.value.message
    assert project.status is Status.SUBMITTED


def test_a_return_names_an_unmet_criterion_or_a_reason() -> None:
    project = submitted()
    with pytest.raises(ValidationFailed):
        project.review(
            approve=False,
            scores=GOOD,
            reasons=(" ",),
            comment=None,
            actor=ABOVE,
            now=NOW,
            criteria=all_met(),
        )
    project.review(
        approve=False,
        scores=GOOD,
        reasons=(),
        comment=None,
        actor=ABOVE,
        now=NOW,
        criteria=all_met(small_cut="切口过大"),
    )
    returned = project.pending_events[-1]
    # The unmet criterion reads as a reason for subscribers that only know reasons.
    assert returned.data["reasons"] == ["未达到“切口小”：切口过大"]
    assert project.status is Status.RETURNED


def test_criteria_are_all_four_once_or_none() -> None:
    project = submitted()
    partial = all_met()[:3]
    twice = (*all_met(), all_met()[0])
    for criteria in (partial, twice):
        with pytest.raises(ValidationFailed):
            project.review(
                approve=True,
                scores=GOOD,
                reasons=(),
                comment=None,
                actor=ABOVE,
                now=NOW,
                criteria=criteria,
            )


# ---- objections ----------------------------------------------------------------------------
def test_an_open_objection_keeps_the_project_in_the_announcement() -> None:
    project = announced()
    project.raise_objection(
        "项目选址占用公共绿地", received_offline=False, actor=NEIGHBOUR, now=NOW
    )
    [objection] = project.open_objections
    assert not project.announcement_over(date(2026, 2, 9))  # the daily checks leave it
    with pytest.raises(InvalidTransition) as blocked:
        project.start_execution(date(2026, 2, 9), ABOVE, NOW)
    assert "异议尚未处理" in blocked.value.message
    project.resolve_objection(
        objection.id, upheld=False, reason="经核实选址合规", actor=ABOVE, now=NOW
    )
    assert project.announcement_over(date(2026, 2, 9))
    project.start_execution(date(2026, 2, 9), ABOVE, NOW)
    assert types(project) == [
        "objection-raised",
        "objection-dismissed",
        "project-execution-started",
    ]


def test_an_upheld_objection_sends_the_project_back_for_re_declaration() -> None:
    project = announced()
    project.raise_objection("群众未参与议事", received_offline=True, actor=ABOVE, now=NOW)
    objection = project.objections[0]
    # Whoever raised it does not resolve it.
    with pytest.raises(Forbidden):
        project.resolve_objection(objection.id, upheld=True, reason="成立", actor=ABOVE, now=NOW)
    project.resolve_objection(
        objection.id, upheld=True, reason="未经集体研究", actor=NEIGHBOUR, now=NOW
    )
    assert project.status is Status.RETURNED
    assert objection.outcome == "upheld"
    with pytest.raises(InvalidTransition):
        project.resolve_objection(
            objection.id, upheld=False, reason="再次", actor=NEIGHBOUR, now=NOW
        )
    project.revise(declaration(title="老旧小区加装电梯（重新申报）"), UNIT, NOW)
    assert project.status.value == "draft"  # (mypy narrows the enum after the first check)


def test_objections_only_while_announced_and_with_a_text() -> None:
    project = submitted()
    with pytest.raises(InvalidTransition):
        project.raise_objection("异议", received_offline=False, actor=NEIGHBOUR, now=NOW)
    project = announced()
    with pytest.raises(ValidationFailed):
        project.raise_objection("  ", received_offline=False, actor=NEIGHBOUR, now=NOW)
    with pytest.raises(NotFound):
        project.resolve_objection("nope", upheld=False, reason="无", actor=ABOVE, now=NOW)


# ---- change and withdrawal ----------------------------------------------------------------------
def test_an_approved_change_is_a_new_revision_and_keeps_the_reported_months() -> None:
    project = executing()
    report(project, "2026-03", date(2026, 3, 20), StageStatus.DONE)
    project.pending_events.clear()
    today = date(2026, 4, 2)
    new_plan = [
        StageTask(month="2026-03", task="第3月任务", deliverable="第3月成果"),
        StageTask(month="2026-04", task="改为入户调查", deliverable="调查表"),
        StageTask(month="2026-05", task="第5月任务", deliverable="第5月成果"),
    ]
    changes = PlanChanges(
        expected_goals="年内加装 2 部电梯", deadline=date(2026, 5, 31), stage_tasks=new_plan
    )
    project.request_change(
        ChangeKind.CHANGE, reason="资金调整", changes=changes, today=today, actor=UNIT, now=NOW
    )
    # One request at a time.
    with pytest.raises(InvalidTransition):
        project.request_change(
            ChangeKind.WITHDRAWAL, reason="再议", changes=None, today=today, actor=UNIT, now=NOW
        )
    request = project.change_requests[0]
    with pytest.raises(Forbidden):  # the requester does not decide
        project.decide_change(
            request.id, approve=True, reasons=(), comment=None, today=today, actor=UNIT, now=NOW
        )
    project.decide_change(
        request.id, approve=True, reasons=(), comment="同意", today=today, actor=ABOVE, now=NOW
    )
    assert project.revision == 2
    assert project.declaration.expected_goals == "年内加装 2 部电梯"
    assert [s.month for s in project.stages] == ["2026-03", "2026-04", "2026-05"]
    assert project.stages[0].completed_on == date(2026, 3, 20)  # kept
    assert project.stages[1].tasks[0].task == "改为入户调查"
    assert types(project) == ["change-requested", "change-approved"]


def test_past_or_reported_months_cannot_change() -> None:
    project = executing()
    report(project, "2026-04", date(2026, 4, 10), StageStatus.PARTLY)
    tasks = list(declaration().stage_tasks)
    tasks[0] = StageTask(month="2026-03", task="改写三月", deliverable="成果")
    tasks[1] = StageTask(month="2026-04", task="改写四月", deliverable="成果")
    with pytest.raises(ValidationFailed) as refused:
        project.request_change(
            ChangeKind.CHANGE,
            reason="调整",
            changes=PlanChanges(stage_tasks=tasks),
            today=date(2026, 4, 12),
            actor=UNIT,
            now=NOW,
        )
    assert [d.field for d in refused.value.details] == ["changes.stage_tasks"] * 2
    with pytest.raises(ValidationFailed):  # nothing changes
        project.request_change(
            ChangeKind.CHANGE,
            reason="调整",
            changes=PlanChanges(title=declaration().title),
            today=date(2026, 4, 12),
            actor=UNIT,
            now=NOW,
        )


def test_an_approved_withdrawal_ends_the_project() -> None:
    project = executing()
    today = date(2026, 3, 10)
    project.request_change(
        ChangeKind.WITHDRAWAL, reason="村庄撤并", changes=None, today=today, actor=UNIT, now=NOW
    )
    request = project.change_requests[0]
    with pytest.raises(ValidationFailed):  # a rejection needs a reason
        project.decide_change(
            request.id, approve=False, reasons=(), comment=None, today=today, actor=ABOVE, now=NOW
        )
    project.decide_change(
        request.id, approve=True, reasons=(), comment=None, today=today, actor=ABOVE, now=NOW
    )
    assert project.status is Status.WITHDRAWN
    assert types(project) == ["change-requested", "project-withdrawn"]
    with pytest.raises(InvalidTransition):
        report(project, "2026-03", today, StageStatus.DONE)
    assert project.detect_overdue(date(2026, 6, 1), ABOVE, NOW) == []


def test_a_rejected_request_changes_nothing_and_a_draft_cannot_ask() -> None:
    project = executing()
    today = date(2026, 3, 10)
    project.request_change(
        ChangeKind.CHANGE,
        reason="调整目标",
        changes=PlanChanges(expected_goals="年内加装 1 部电梯"),
        today=today,
        actor=UNIT,
        now=NOW,
    )
    project.decide_change(
        project.change_requests[0].id,
        approve=False,
        reasons=("目标降低过多",),
        comment=None,
        today=today,
        actor=ABOVE,
        now=NOW,
    )
    assert project.declaration.expected_goals == "年内加装 3 部电梯"
    assert project.status is Status.IN_EXECUTION
    assert project.change_requests[0].decision == "rejected"
    with pytest.raises(InvalidTransition):
        submitted().request_change(
            ChangeKind.WITHDRAWAL, reason="不做了", changes=None, today=today, actor=UNIT, now=NOW
        )


# ---- lagging (滞后) -----------------------------------------------------------------------
@pytest.mark.parametrize("status", [StageStatus.PARTLY, StageStatus.BLOCKED])
def test_a_stage_reported_partly_or_blocked_is_lagging(status: StageStatus) -> None:
    project = executing()
    report(project, "2026-03", date(2026, 3, 20), status)
    stage = project.stage("2026-03")
    assert stage.lagging
    report(project, "2026-03", date(2026, 3, 28), StageStatus.DONE)
    assert not stage.lagging


def test_an_overdue_stage_reported_partly_late_stays_lagging() -> None:
    project = executing()
    assert project.detect_overdue(date(2026, 4, 1), ABOVE, NOW) == ["2026-03"]
    assert project.stage("2026-03").lagging
    report(project, "2026-03", date(2026, 4, 2), StageStatus.PARTLY)
    assert project.stage("2026-03").lagging
    assert not project.stage("2026-04").lagging


def test_the_shared_rule() -> None:
    assert stage_lagging(done=False, flagged_overdue=False, last_report="blocked")
    assert stage_lagging(done=False, flagged_overdue=True, last_report=None)
    assert not stage_lagging(done=True, flagged_overdue=True, last_report="partly")
    assert not stage_lagging(done=False, flagged_overdue=False, last_report=None)
