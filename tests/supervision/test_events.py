"""Events on the real broker for groups and problems, and idempotent consumers."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest

from devstack.infra import Endpoints
from lingban_contracts import Actor, decode_record
from lingban_contracts.divisions import default_tree
from lingban_contracts.events.supervision import ProblemLevel, VisitorRole
from lingban_contracts.topics import SUPERVISION
from lingban_kit import mongo
from lingban_kit.auth import Role
from lingban_kit.clock import FixedClock
from lingban_kit.testing import collect, end_offsets
from lingban_supervision.problems.domain import Problem
from lingban_supervision.store import Criteria, MongoStore
from lingban_supervision.visits.domain import Opinion, Visit
from lingban_supervision.visits.service import VisitCommands
from tests.auth import auth

from .builders import CITY, TOWNSHIP, VILLAGE
from .conftest import SupervisionApi

pytestmark = pytest.mark.integration


async def test_group_and_problem_events_reach_kafka_in_order(
    api: SupervisionApi, infra: Endpoints
) -> None:
    since = await end_offsets(infra.kafka_bootstrap_servers, SUPERVISION.name)
    org = auth(Role.CITY_ORG, CITY)
    group = await api.call(
        "POST",
        "/v1/groups",
        org,
        {
            "region_code": CITY,
            "year": 2026,
            "name": "市第二督导组",
            "members": [{"name": "甲", "department": "组织部", "leader": True}],
            "covered_units": [TOWNSHIP],
        },
        201,
    )
    changed = await api.http.put(
        f"/v1/groups/{group['id']}/composition",
        json={
            "name": "市第二督导组",
            "members": [
                {"name": "甲", "department": "组织部", "leader": True},
                {"name": "乙", "department": "住建局"},
            ],
            "covered_units": [TOWNSHIP, "340881101000"],
        },
        headers={**org, "If-Match": '"1"'},
    )
    assert changed.status_code == 200, changed.text
    assert changed.headers["ETag"] == '"2"'
    problem = await api.call(
        "POST",
        "/v1/problems",
        auth(Role.VILLAGE_SECRETARY, VILLAGE),
        {
            "unit_code": VILLAGE,
            "year": 2026,
            "source": "self_examination",
            "channel": "suggestion_box",
            "category": "民生服务",
            "level": "organisation",
            "description": "村卫生室开放时间短",
        },
        201,
    )
    await api.call(
        "POST",
        f"/v1/problems/{problem['id']}/resolution",
        auth(Role.VILLAGE_SECRETARY, VILLAGE),
        {"resolution": "延长开放时间"},
    )
    wanted = {group["id"].encode(), problem["id"].encode()}
    records = await collect(
        infra.kafka_bootstrap_servers,
        SUPERVISION.name,
        since,
        match=lambda r: r.key in wanted,
        until=lambda found: len(found) >= 4,
    )
    events = sorted(
        (decode_record(r.headers, r.value) for r in records),
        key=lambda e: (e.aggregate_id != group["id"], e.aggregate_version),
    )
    assert [e.type.split(".")[2] for e in events] == [
        "supervision-group-created",
        "supervision-group-changed",
        "problem-registered",
        "problem-resolved",
    ]
    assert events[1].data["departments"] == ["组织部", "住建局"]
    assert events[1].data["covered_units"] == [TOWNSHIP, "340881101000"]
    assert events[3].data["township_code"] == TOWNSHIP
    assert events[3].data["source"] == "self_examination"
    assert events[3].region_code == VILLAGE


async def test_a_redelivered_visit_registers_its_problems_once(database: mongo.Database) -> None:
    visits = MongoStore(database, "visits", Visit)
    problems = MongoStore(database, "problems", Problem)
    commands = VisitCommands(
        visits, problems, default_tree(), FixedClock(datetime(2026, 3, 9, tzinfo=UTC)), ()
    )
    visit = Visit.log(
        unit_code=VILLAGE,
        township_code=TOWNSHIP,
        visited_on=date(2026, 3, 9),
        visitor="驻村领导",
        visitor_role=VisitorRole.LEADER,
        team=[],
        households=[],
        opinions=[
            Opinion(description="a", category="民生服务", level=ProblemLevel.ORGANISATION),
            Opinion(description="b", category="作风建设", level=ProblemLevel.INDIVIDUAL),
        ],
        notes=None,
        actor=Actor(id="t"),
        now=datetime(2026, 3, 9, tzinfo=UTC),
        correlation_id=uuid.uuid4().hex,
    )
    [event] = visit.pending_events
    await visits.add(visit)
    assert await commands.register_problems(event) == 2
    assert await commands.register_problems(event) == 0  # the same event again
    stored = await problems.find(Criteria())
    assert sorted(p.facts.description for p in stored) == ["a", "b"]
    assert {p.id for p in stored} == set(visit.problem_ids)
