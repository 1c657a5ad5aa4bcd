"""Scoring an inspection: item deductions (逐项扣分); an absent team loses everything.

A checklist is out of 100 points (百分制); an inspection passes at the pass
mark or above.
"""

from __future__ import annotations

from dataclasses import dataclass

from lingban_contracts.events.supervision import ChecklistScore
from lingban_kit.errors import FieldProblem, ValidationFailed

FULL_MARKS = 100


@dataclass(frozen=True)
class Score:
    max_score: int
    deductions: int
    score: int
    passed: bool
    failed_items: list[str]


def score_checklist(checklist: list[ChecklistScore], *, team_absent: bool, pass_mark: int) -> Score:
    problems: list[FieldProblem] = []
    for i, item in enumerate(checklist):
        if item.deducted > item.max_points:
            problems.append(
                FieldProblem(
                    f"checklist.{i}.deducted",
                    f"扣分（{item.deducted}）不能超过该项分值（{item.max_points}）",
                    f"Deduction {item.deducted} exceeds the item's {item.max_points} points",
                )
            )
    max_score = sum(i.max_points for i in checklist)
    if max_score != FULL_MARKS:
        problems.append(
            FieldProblem(
                "checklist",
                f"检查清单各项分值合计须为 {FULL_MARKS} 分（现为 {max_score} 分）",
                f"The checklist's items must add up to {FULL_MARKS} points (not {max_score})",
            )
        )
    if problems:
        raise ValidationFailed(
            message="评分有误，请按提示修改",
            message_en="The scoring has problems to fix",
            details=problems,
        )
    if team_absent:
        # 专班不在岗：一次扣完全部分值。
        return Score(max_score, max_score, 0, False, ["专班不在岗"])
    deductions = sum(i.deducted for i in checklist)
    score = max_score - deductions
    return Score(
        max_score=max_score,
        deductions=deductions,
        score=score,
        passed=score >= pass_mark,
        failed_items=[i.item for i in checklist if i.deducted > 0],
    )
