"""Deduction arithmetic (逐项扣分) and the absent team losing every point."""

from __future__ import annotations

import pytest

from lingban_contracts.events.supervision import ChecklistScore
from lingban_kit.errors import ValidationFailed
from lingban_supervision.inspections.scoring import score_checklist

from .builders import checklist


def test_items_lose_their_deductions() -> None:
    score = score_checklist(checklist(5, 10, 0, 3), team_absent=False, pass_mark=60)
    assert score.max_score == 100
    assert score.deductions == 18
    assert score.score == 82
    assert score.passed
    assert score.failed_items == ["专班在岗履职", "阶段任务推进", "群众满意度"]


def test_the_pass_mark_itself_passes() -> None:
    assert score_checklist(checklist(25, 15), team_absent=False, pass_mark=60).passed
    assert not score_checklist(checklist(25, 16), team_absent=False, pass_mark=60).passed


def test_an_absent_team_loses_all_points_at_once() -> None:
    score = score_checklist(checklist(0, 0, 0, 0), team_absent=True, pass_mark=60)
    assert score.score == 0
    assert score.deductions == 100
    assert not score.passed
    assert score.failed_items == ["专班不在岗"]


def test_a_deduction_cannot_exceed_its_item() -> None:
    items = checklist(0, 0, 0, 0)
    items[1] = ChecklistScore(item="阶段任务推进", max_points=25, deducted=30)
    with pytest.raises(ValidationFailed) as error:
        score_checklist(items, team_absent=False, pass_mark=60)
    assert [d.field for d in error.value.details] == ["checklist.1.deducted"]


def test_the_checklist_must_be_out_of_100() -> None:
    items = checklist(0, 0, 0, 0)[:3]
    with pytest.raises(ValidationFailed) as error:
        score_checklist(items, team_absent=False, pass_mark=60)
    assert error.value.details[0].field == "checklist"
