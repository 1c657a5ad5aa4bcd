"""Shared test data of the dispatch tests (the default division tree)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from lingban_contracts import Actor
from lingban_contracts.divisions import default_tree
from lingban_contracts.events.dispatch import Attendee, ReviewedProject
from lingban_kit.auth import Principal, Role
from lingban_supervision.dispatch.domain import Minutes, Task

CITY = "340881000000"  # 桐城市
TOWNSHIP = "340881100000"  # 新渡镇
VILLAGE = "340881100201"  # 北塘村
TOWNSHIP_2 = "340881101000"  # 双港镇
VILLAGE_2 = "340881101201"  # 丰圩村, in 双港镇
TREE = default_tree()
ORG = Actor(id="city_org@340881000000", name="组织部")
UNIT = Actor(id="township_secretary@340881100000", name="新渡镇书记")
NOW = datetime(2026, 3, 5, 2, tzinfo=UTC)
TODAY = date(2026, 3, 5)


def principal(role: Role, region: str, sub: str | None = None) -> Principal:
    return Principal(
        id=sub or f"{role.value}@{region}",
        name="测试",
        roles=frozenset({role}),
        region_code=region,
    )


def minutes(*units: str) -> Minutes:
    return Minutes(
        chair="组织部部长",
        attendees=[Attendee(name="组织部部长", department="组织部")]
        + [Attendee(name=f"{u} 书记", unit_code=u) for u in units],
        projects_reviewed=[
            ReviewedProject(title="背街小巷整治", unit_code=TOWNSHIP, progress="完成 60%")
        ],
        problems_raised=["台账不全"],
        next_steps=["四月底前完成整治"],
    )


def task(deadline: date = date(2026, 3, 20), unit: str = TOWNSHIP) -> Task:
    township = TREE.township_of(unit)
    made = Task.assign(
        task_id="t1",
        meeting_id="m1",
        assigner_code=CITY,
        unit_code=unit,
        township_code=township.code if township else None,
        content="补齐项目台账",
        owner="张三",
        deadline=deadline,
        assigned_on=TODAY,
        actor=ORG,
        now=NOW,
    )
    made.pending_events.clear()
    return made


# The city's March meeting with the agriculture bureau attending (`POST /v1/dispatch/meetings`).
AGRICULTURE_MEETING = {
    "level": "city_monthly",
    "region_code": CITY,
    "held_on": "2026-03-04",
    "chair": "市委组织部副部长",
    "attendees": [{"name": "市农业农村局", "department": "农业农村局"}],
}
