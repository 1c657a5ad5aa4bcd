"""Shared test data of the supervision tests."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from lingban_contracts import Actor
from lingban_contracts.events.supervision import ChecklistScore, InspectionMethod, PooledProject
from lingban_kit.auth import Principal, Role
from lingban_supervision.inspections.domain import Inspection

CITY = "340881000000"
TOWNSHIP = "340881100000"  # 新渡镇
VILLAGE = "340881100201"  # 北塘村
VILLAGE_2 = "340881100202"  # 凤岗村
OTHER_TOWNSHIP = "340881101000"  # 双港镇
OTHER_VILLAGE = "340881101201"  # 丰圩村
ACTOR = Actor(id="inspector", name="督导员")
# Someone other than whoever submitted: nobody verifies their own rectification.
VERIFIER = Actor(id="verifier", name="核验员")
NOW = datetime(2026, 3, 10, 2, tzinfo=UTC)


def principal(role: Role, region: str) -> Principal:
    return Principal(
        id=f"{role.value}@{region}", name="测试", roles=frozenset({role}), region_code=region
    )


def checklist(*deducted: int) -> list[ChecklistScore]:
    """Four items of 25 points each, with the given deductions."""
    names = ("专班在岗履职", "阶段任务推进", "台账资料完整", "群众满意度")
    cut = list(deducted) + [0] * (4 - len(deducted))
    return [
        ChecklistScore(item=n, max_points=25, deducted=d) for n, d in zip(names, cut, strict=True)
    ]


def checklist_json(*deducted: int) -> list[dict[str, Any]]:
    return [c.model_dump() for c in checklist(*deducted)]


def planned(
    method: InspectionMethod = InspectionMethod.ON_SITE, on: date = date(2026, 3, 10)
) -> Inspection:
    inspection = Inspection.plan(
        group_id="g1",
        region_code=TOWNSHIP,
        planned_on=on,
        method=method,
        unit_code=VILLAGE,
        township_code=TOWNSHIP,
        project_id="p1",
        sample_id=None,
        actor=ACTOR,
        now=NOW,
    )
    inspection.pending_events.clear()
    return inspection


def failed(deadline_days: int = 15) -> Inspection:
    inspection = planned()
    inspection.record_result(
        inspected_on=date(2026, 3, 10),
        checklist=checklist(25, 20),
        team_absent=False,
        findings=["台账缺失"],
        photos=[],
        pass_mark=60,
        rectification_days=deadline_days,
        actor=ACTOR,
        now=NOW,
    )
    inspection.pending_events.clear()
    return inspection


def pool(n_per: int = 3) -> list[PooledProject]:
    """Projects in two townships × two categories."""
    found = []
    for township, village_prefix in ((TOWNSHIP, "340881100"), (OTHER_TOWNSHIP, "340881101")):
        for category in ("小区治理", "民生服务"):
            for i in range(n_per):
                found.append(
                    PooledProject(
                        project_id=f"{township[6:9]}-{category}-{i}",
                        unit_code=f"{village_prefix}{201 + i}",
                        township_code=township,
                        category=category,
                    )
                )
    return found
