"""Reminder subjects follow issue 16's project events (real database): an upheld objection
and a withdrawal take a project out of the reminders, an approved change replaces the
plan's tasks and months while keeping what was reported."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from lingban_contracts import Actor
from lingban_contracts.events.projects import (
    ChangeKind,
    PlanChanges,
    ReviewScores,
    StageStatus,
    StageTask,
)
from lingban_kit.mongo import Database
from lingban_notifications.scheduling.evaluate import ACTIVE, ProjectSubject
from lingban_notifications.subjects.tracking import SUBJECTS, project_projection
from lingban_projects.projects.domain import Project
from tests.projects.builders import VILLAGE, declaration

pytestmark = pytest.mark.integration

UNIT, ABOVE, STAFF = Actor(id="unit"), Actor(id="above"), Actor(id="staff")
NOW = datetime(2026, 2, 1, tzinfo=UTC)
GOOD = ReviewScores(feasibility=85, precision=80, effectiveness=90)


def announced() -> Project:
    project = Project.declare(VILLAGE, 2026, declaration(), UNIT, NOW)
    project.submit("340881100000", UNIT, NOW)
    project.review(approve=True, scores=GOOD, reasons=(), comment=None, actor=ABOVE, now=NOW)
    project.file(ABOVE, NOW)
    project.announce(date(2026, 2, 2), date(2026, 2, 8), ABOVE, NOW)
    return project


async def subject(database: Database, project: Project) -> ProjectSubject:
    apply = project_projection(database)
    for event in project.pending_events:
        await apply(event)
    doc = await database[SUBJECTS].find_one({"_id": project.id})
    assert doc is not None
    return ProjectSubject.from_document(doc)


async def test_a_change_replaces_the_plan_and_keeps_the_reports(database: Database) -> None:
    project = announced()
    project.start_execution(date(2026, 2, 9), ABOVE, NOW)
    project.report_stage(
        "2026-03",
        status=StageStatus.DONE,
        percent=100,
        narrative="完成",
        attachments=(),
        today=date(2026, 3, 20),
        actor=UNIT,
        now=NOW,
    )
    plan = [t for t in project.declaration.stage_tasks if t.month <= "2026-04"]
    plan.append(StageTask(month="2026-05", task="收尾", deliverable="总结"))
    project.request_change(
        ChangeKind.CHANGE,
        reason="工期调整",
        changes=PlanChanges(deadline=date(2026, 5, 31), stage_tasks=plan),
        today=date(2026, 4, 2),
        actor=UNIT,
        now=NOW,
    )
    project.decide_change(
        project.change_requests[0].id,
        approve=True,
        reasons=(),
        comment=None,
        today=date(2026, 4, 2),
        actor=ABOVE,
        now=NOW,
    )
    found = await subject(database, project)
    assert found.status == "in_execution"
    assert [s.month for s in found.stages] == ["2026-03", "2026-04", "2026-05"]
    stages = {s.month: s for s in found.stages}
    assert stages["2026-03"].completed  # reported before the change: kept
    assert stages["2026-05"].task == "收尾"


async def test_withdrawn_and_upheld_projects_leave_the_reminders(database: Database) -> None:
    withdrawn = announced()
    withdrawn.start_execution(date(2026, 2, 9), ABOVE, NOW)
    withdrawn.request_change(
        ChangeKind.WITHDRAWAL,
        reason="村庄撤并",
        changes=None,
        today=date(2026, 3, 1),
        actor=UNIT,
        now=NOW,
    )
    withdrawn.decide_change(
        withdrawn.change_requests[0].id,
        approve=True,
        reasons=(),
        comment=None,
        today=date(2026, 3, 1),
        actor=ABOVE,
        now=NOW,
    )
    upheld = announced()
    upheld.raise_objection("选址有争议", received_offline=False, actor=STAFF, now=NOW)
    upheld.resolve_objection(
        upheld.objections[0].id, upheld=True, reason="成立", actor=ABOVE, now=NOW
    )
    for project, status in ((withdrawn, "withdrawn"), (upheld, "returned")):
        found = await subject(database, project)
        assert found.status == status
        assert found.status not in ACTIVE
