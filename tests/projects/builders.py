from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from lingban_contracts.events.projects import StageTask
from lingban_kit.auth import Principal, Role
from lingban_projects.projects.domain import Declaration

CITY = "340881000000"
TOWNSHIP = "340881100000"  # 新渡镇
VILLAGE = "340881100201"  # 北塘村, in 新渡镇
OTHER_TOWNSHIP = "340881101000"  # 双港镇


def declaration(**changes: Any) -> Declaration:
    base = Declaration(
        title="老旧小区加装电梯",
        category="小区治理",
        problem="老人上下楼难",
        expected_goals="年内加装 3 部电梯",
        evaluation_criteria="电梯投入使用，居民满意度 90% 以上",
        lead_secretary="张书记",
        task_force=("李四", "王五"),
        deadline=date(2026, 6, 30),
        stage_tasks=tuple(
            StageTask(month=f"2026-{m:02d}", task=f"第{m}月任务", deliverable=f"第{m}月成果")
            for m in range(3, 7)
        ),
    )
    return replace(base, **changes)


def principal(role: Role, region: str = VILLAGE, sub: str | None = None) -> Principal:
    name = sub or f"{role.value}@{region}"
    return Principal(id=name, name=name, roles=frozenset({role}), region_code=region)
