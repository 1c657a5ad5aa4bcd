from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from lingban_contracts import Actor
from lingban_contracts.events.projects import StageTask
from lingban_kit.errors import ValidationFailed
from lingban_projects.projects.domain import Project, Status

from .builders import VILLAGE, declaration

NOW = datetime(2026, 2, 1, tzinfo=UTC)
ACTOR = Actor(id="u1", name="张书记")
CATEGORIES = ("小区治理", "议事协商")


def fields_of(exc: ValidationFailed) -> list[str]:
    return [d.field for d in exc.details]


def declare(**changes: object) -> Project:
    return Project.declare(VILLAGE, 2026, declaration(**changes), ACTOR, NOW, CATEGORIES)


def test_a_sound_declaration_is_a_draft_with_one_event_at_version_one() -> None:
    project = declare()
    assert project.status is Status.DRAFT
    assert project.version == 1
    [event] = project.pending_events
    assert event.type == "lingban.projects.project-declared.v1"
    assert event.aggregate_id == project.id
    assert event.aggregate_version == 1
    assert event.region_code == VILLAGE
    assert event.actor == ACTOR
    assert event.data["stage_tasks"][0]["month"] == "2026-03"
    assert [h.event_type for h in project.history] == ["lingban.projects.project-declared.v1"]


def test_stage_after_deadline_is_rejected_on_that_stage() -> None:
    stages = (*declaration().stage_tasks, StageTask(month="2026-07", task="t", deliverable="d"))
    with pytest.raises(ValidationFailed) as caught:
        declare(stage_tasks=stages)
    assert "stage_tasks.4.month" in fields_of(caught.value)
    assert "晚于完成时限" in caught.value.details[0].message


def test_a_month_without_a_task_is_rejected() -> None:
    stages = tuple(s for s in declaration().stage_tasks if s.month != "2026-05")
    with pytest.raises(ValidationFailed) as caught:
        declare(stage_tasks=stages)
    assert any("2026-05" in d.message_en for d in caught.value.details)


def test_deadline_outside_the_year_is_rejected() -> None:
    with pytest.raises(ValidationFailed) as caught:
        declare(deadline=date(2027, 1, 31))
    assert "deadline" in fields_of(caught.value)


def test_empty_plan_is_rejected() -> None:
    with pytest.raises(ValidationFailed) as caught:
        declare(stage_tasks=())
    assert fields_of(caught.value) == ["stage_tasks"]


def test_unknown_category_is_rejected_with_the_choices() -> None:
    with pytest.raises(ValidationFailed) as caught:
        declare(category="招商引资")
    assert fields_of(caught.value) == ["category"]
    assert "小区治理" in caught.value.details[0].message
