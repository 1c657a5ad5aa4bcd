from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from lingban_contracts import Actor
from lingban_contracts.events.projects import StageTask
from lingban_kit.errors import ValidationFailed
from lingban_projects.projects.domain import Project, ProjectStatus

from .builders import declaration

NOW = datetime(2026, 2, 1, tzinfo=UTC)
ACTOR = Actor(id="u1", name="张书记")


def fields_of(exc: ValidationFailed) -> list[str]:
    return [d.field for d in exc.details]


def test_a_sound_declaration_yields_one_event_at_version_one() -> None:
    project = Project.declare(declaration(), ACTOR, NOW)
    assert project.status is ProjectStatus.DECLARED
    assert project.version == 1
    [event] = project.pending_events
    assert event.type == "lingban.projects.project-declared.v1"
    assert event.aggregate_id == project.id
    assert event.aggregate_version == 1
    assert event.region_code == "340881100201"
    assert event.actor == ACTOR
    assert event.data["stage_tasks"][0]["month"] == "2026-03"


def test_stage_after_deadline_is_rejected_on_that_stage() -> None:
    stages = (*declaration().stage_tasks, StageTask(month="2026-07", task="t", deliverable="d"))
    with pytest.raises(ValidationFailed) as caught:
        Project.declare(declaration(stage_tasks=stages), ACTOR, NOW)
    assert "stage_tasks.4.month" in fields_of(caught.value)
    assert "晚于完成时限" in caught.value.details[0].message


def test_a_month_without_a_task_is_rejected() -> None:
    stages = tuple(s for s in declaration().stage_tasks if s.month != "2026-05")
    with pytest.raises(ValidationFailed) as caught:
        Project.declare(declaration(stage_tasks=stages), ACTOR, NOW)
    assert any("2026-05" in d.message_en for d in caught.value.details)


def test_deadline_outside_the_year_is_rejected() -> None:
    with pytest.raises(ValidationFailed) as caught:
        Project.declare(declaration(deadline=date(2027, 1, 31)), ACTOR, NOW)
    assert "deadline" in fields_of(caught.value)


def test_empty_plan_is_rejected() -> None:
    with pytest.raises(ValidationFailed) as caught:
        Project.declare(declaration(stage_tasks=()), ACTOR, NOW)
    assert fields_of(caught.value) == ["stage_tasks"]
