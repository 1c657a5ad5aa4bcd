"""Issue 16 in the project read model and its figures, on the real database.

The events are the projects service's own: its domain (`Project`) takes a few
projects of two kinds through review criteria, objections, a change, a
withdrawal and stages reported partly or blocked, and what it records is
folded the messy way the topic delivers it (duplicated, shuffled, in batches).
Then:
- every read-model document says what the projects service says about its
  project (status, kind, lagging months: one rule, `stage_lagging`);
- the overview's figures (counts by kind, withdrawn, lagging, the completion
  rate without the withdrawn) equal the reference replay of the same events.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime

import pytest

from lingban_contracts import Actor, Envelope
from lingban_contracts.divisions import default_tree
from lingban_contracts.events.projects import (
    ChangeKind,
    CriterionJudgement,
    PlanChanges,
    ReviewCriterion,
    ReviewScores,
    StageStatus,
    StageTask,
)
from lingban_contracts.statuses import ProjectKind
from lingban_kit.mongo import Database
from lingban_projects.projects.domain import Project
from lingban_reporting.overview.service import Reports
from lingban_reporting.projector import Projector
from lingban_reporting.projects.api import ProjectView
from lingban_reporting.read_models.generations import ReadModels, ensure_indexes
from tests.projects.builders import declaration
from tests.reporting.reference import reference_figures, replay

pytestmark = pytest.mark.integration

TREE = default_tree()
TOWNSHIP = "340881100000"
VILLAGES = ["340881100201", "340881100202", "340881100001", "340881100002"]
UNIT = Actor(id="village-secretary")
ABOVE = Actor(id="township-secretary")
STAFF = Actor(id="township-staff")
GOOD = ReviewScores(feasibility=85, precision=80, effectiveness=90)
MET = tuple(CriterionJudgement(criterion=c, met=True) for c in ReviewCriterion)


def at(month: int, day: int) -> datetime:
    return datetime(2026, month, day, 2, tzinfo=UTC)


def announced(unit: str, kind: ProjectKind) -> Project:
    project = Project.declare(unit, 2026, declaration(kind=kind), UNIT, at(1, 5))
    project.submit(TOWNSHIP, UNIT, at(1, 5))
    project.review(
        approve=True,
        scores=GOOD,
        reasons=(),
        comment=None,
        actor=ABOVE,
        now=at(1, 6),
        criteria=MET,
    )
    project.file(ABOVE, at(1, 6))
    project.announce(date(2026, 2, 2), date(2026, 2, 8), ABOVE, at(2, 1))
    return project


def executing(unit: str, kind: ProjectKind) -> Project:
    project = announced(unit, kind)
    project.start_execution(date(2026, 2, 9), ABOVE, at(2, 9))
    return project


def report(project: Project, month: str, day: date, status: StageStatus) -> None:
    project.report_stage(
        month,
        status=status,
        percent=100 if status is StageStatus.DONE else 50,
        narrative="进展",
        attachments=(),
        today=day,
        actor=UNIT,
        now=datetime(day.year, day.month, day.day, 3, tzinfo=UTC),
    )


def a_year() -> list[Project]:
    """Seven secretary projects and twelve secretary-led items, as in Yuexi, each kind
    of issue 16's business on a few of them."""
    projects: list[Project] = []
    for i in range(19):
        kind = ProjectKind.SECRETARY_PROJECT if i < 7 else ProjectKind.SECRETARY_LED_ITEM
        project = executing(VILLAGES[i % len(VILLAGES)], kind)
        projects.append(project)
        if i % 3 == 0:
            report(project, "2026-03", date(2026, 3, 20), StageStatus.PARTLY)
        if i % 3 == 1:
            report(project, "2026-03", date(2026, 3, 20), StageStatus.BLOCKED)
            report(project, "2026-03", date(2026, 3, 28), StageStatus.DONE)
        if i % 5 == 0:
            project.detect_overdue(date(2026, 4, 2), ABOVE, at(4, 2))  # March if unreported
            project.detect_overdue(date(2026, 5, 2), ABOVE, at(5, 2))  # April
            report(project, "2026-04", date(2026, 5, 3), StageStatus.BLOCKED)
    # Finished and accepted: every stage done.
    for project in projects[1:3]:
        for month in [s.month for s in project.stages if not s.completed_on]:
            report(project, month, date(2026, 6, 28), StageStatus.DONE)
        project.request_completion("全部完成", UNIT, at(6, 29))
        project.decide_completion(accept=True, reasons=(), comment=None, actor=ABOVE, now=at(6, 30))
    # Withdrawn (excluded from the completion rate, counted as withdrawn).
    for project in (projects[3], projects[10]):
        project.request_change(
            ChangeKind.WITHDRAWAL,
            reason="村庄撤并",
            changes=None,
            today=date(2026, 5, 10),
            actor=UNIT,
            now=at(5, 10),
        )
        project.decide_change(
            project.change_requests[-1].id,
            approve=True,
            reasons=(),
            comment=None,
            today=date(2026, 5, 11),
            actor=ABOVE,
            now=at(5, 11),
        )
    # A change: the plan ends in May.
    changed = projects[4]
    changed.request_change(
        ChangeKind.CHANGE,
        reason="工期调整",
        changes=PlanChanges(
            deadline=date(2026, 5, 31),
            stage_tasks=[t for t in changed.declaration.stage_tasks if t.month <= "2026-04"]
            + [StageTask(month="2026-05", task="收尾", deliverable="总结")],
        ),
        today=date(2026, 5, 5),
        actor=UNIT,
        now=at(5, 5),
    )
    changed.decide_change(
        changed.change_requests[-1].id,
        approve=True,
        reasons=(),
        comment=None,
        today=date(2026, 5, 6),
        actor=ABOVE,
        now=at(5, 6),
    )
    # Objections: one dismissed, one upheld (the project goes back), one left open.
    for outcome in ("dismissed", "upheld", "open"):
        project = announced(VILLAGES[0], ProjectKind.SECRETARY_LED_ITEM)
        project.raise_objection("选址有争议", received_offline=True, actor=STAFF, now=at(2, 3))
        if outcome != "open":
            project.resolve_objection(
                project.objections[0].id,
                upheld=outcome == "upheld",
                reason="经核实",
                actor=ABOVE,
                now=at(2, 5),
            )
        projects.append(project)
    return projects


def events_of(projects: list[Project]) -> list[Envelope]:
    return [e for p in projects for e in p.pending_events]


async def test_the_read_model_agrees_with_the_projects_service(database: Database) -> None:
    projects = a_year()
    events = events_of(projects)
    messy = events + random.Random(7).sample(events, len(events) // 2)
    random.Random(8).shuffle(messy)
    models = ReadModels(database, "kinds")
    await ensure_indexes(models)
    projector = Projector(database)
    for i in range(0, len(messy), 41):
        await projector.apply(messy[i : i + 41], models)

    docs = {d["_id"]: d async for d in models.projects.find({})}
    assert len(docs) == len(projects)
    for project in projects:
        doc = docs[project.id]
        assert doc["status"] == project.status.value
        assert doc["kind"] == project.declaration.kind.value
        # Lagging (滞后): the same months on both sides, by the same rule.
        assert doc["lagging_months"] == project.lagging_months
        assert doc["objections_open"] == len(project.open_objections)
        assert doc["stage_months"] == sorted({t.month for t in project.declaration.stage_tasks})
    blocked_then_done = docs[projects[1].id]
    assert blocked_then_done["lagging_months"] == []
    assert docs[projects[0].id]["lagging_months"] == ["2026-03", "2026-04"]
    assert [r["decision"] for r in docs[projects[3].id]["change_requests"]] == ["approved"]
    assert docs[projects[3].id]["withdrawn"] is True
    assert [c["met"] for c in docs[projects[0].id]["review"]["criteria"]] == [True] * 4
    # What the read API shows of them.
    withdrawn = ProjectView.of(docs[projects[3].id], TREE)
    assert (withdrawn.kind_zh, withdrawn.status_zh, withdrawn.withdrawn) == (
        "书记项目",
        "已撤销",
        True,
    )
    assert [(r.kind, r.decision) for r in withdrawn.change_requests] == [("withdrawal", "approved")]
    objected = ProjectView.of(docs[projects[-1].id], TREE)
    assert (objected.kind, objected.objections_open) == ("secretary_led_item", 1)
    assert [(o.outcome, o.received_offline) for o in objected.objections] == [(None, True)]
    lagging = ProjectView.of(docs[projects[0].id], TREE)
    assert lagging.lagging_months == ["2026-03", "2026-04"]
    assert [c.met for c in lagging.review_criteria] == [True] * 4

    expected = replay(events)
    overview = await Reports(models, TREE, date(2026, 7, 1)).overview(2026, TREE.get(TOWNSHIP))  # type: ignore[arg-type]
    figures = overview["projects"]
    assert figures == reference_figures(expected, "340881100")
    # The figures the report quotes: 7 secretary projects plus the secretary-led items.
    assert figures["by_kind"]["secretary_project"]["declared"] == 7
    assert figures["by_kind"]["secretary_led_item"]["declared"] == 15
    assert figures["withdrawn"] == 2
    assert figures["completion_rate"] == round(2 / (22 - 2), 4)
    assert figures["lagging_projects"] == sum(1 for p in projects if p.lagging_months)
