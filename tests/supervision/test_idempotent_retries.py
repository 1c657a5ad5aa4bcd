"""A retried create after a lost answer makes one record and one event (R14), on the
real stack: inspection plans, visits (whose opinions become problems), problems,
groups and assigned tasks all take an `Idempotency-Key`."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from lingban_contracts import decode_record
from lingban_contracts.topics import SUPERVISION
from lingban_kit.auth import Role
from lingban_kit.testing import collect, end_offsets
from tests.auth import auth

from .builders import CITY, TOWNSHIP, VILLAGE
from .conftest import SupervisionApi

pytestmark = pytest.mark.integration

CITY_ORG = auth(Role.CITY_ORG, CITY)
SUPERVISOR = auth(Role.SUPERVISOR, CITY)
TOWNSHIP_STAFF = auth(Role.TOWNSHIP_STAFF, TOWNSHIP)
TOWNSHIP_SEC = auth(Role.TOWNSHIP_SECRETARY, TOWNSHIP)
PLANNED = "lingban.supervision.inspection-planned.v1"
LOGGED = "lingban.supervision.visit-logged.v1"


def keyed(headers: dict[str, str], key: str) -> dict[str, str]:
    return {**headers, "Idempotency-Key": key}


async def group(api: SupervisionApi) -> dict[str, Any]:
    body = {
        "region_code": CITY,
        "year": 2026,
        "name": "市督导组",
        "members": [{"name": "王组长", "department": "组织部", "leader": True}],
        "covered_units": [TOWNSHIP],
    }
    key = str(uuid.uuid4())
    first = await api.http.post("/v1/groups", json=body, headers=keyed(CITY_ORG, key))
    retry = await api.http.post("/v1/groups", json=body, headers=keyed(CITY_ORG, key))
    assert (first.status_code, retry.status_code) == (201, 201), retry.text
    assert retry.json() == first.json()
    formed: dict[str, Any] = first.json()
    return formed


async def events_until(api: SupervisionApi, since: Any, ids: set[str], done: str) -> list[Any]:
    """Events keyed by `ids` after `since`, read until one of type `done` for each id."""

    def finished(found: list[Any]) -> bool:
        events = [decode_record(r.headers, r.value) for r in found]
        return {e.aggregate_id for e in events if e.type == done} >= ids

    records = await collect(
        api.bootstrap,
        SUPERVISION.name,
        since,
        match=lambda r: r.key is not None and r.key.decode() in ids,
        until=finished,
    )
    return [decode_record(r.headers, r.value) for r in records]


async def test_a_retried_inspection_plan_is_one_inspection_and_one_event(
    api: SupervisionApi,
) -> None:
    formed = await group(api)
    plan = {
        "group_id": formed["id"],
        "planned_on": "2026-03-10",
        "method": "on_site",
        "unit_code": VILLAGE,
    }
    since = await end_offsets(api.bootstrap, SUPERVISION.name)
    key = str(uuid.uuid4())
    first = await api.http.post("/v1/inspections", json=plan, headers=keyed(SUPERVISOR, key))
    assert first.status_code == 201, first.text
    retry = await api.http.post("/v1/inspections", json=plan, headers=keyed(SUPERVISOR, key))
    assert retry.status_code == 201, retry.text
    assert retry.headers["idempotent-replayed"] == "true"
    assert retry.json()["id"] == first.json()["id"]

    other = await api.http.post(
        "/v1/inspections", json=plan, headers=keyed(SUPERVISOR, str(uuid.uuid4()))
    )
    assert other.status_code == 201, other.text
    ids = {first.json()["id"], other.json()["id"]}
    assert len(ids) == 2  # a new key is a new plan

    listed = await api.call("GET", f"/v1/inspections?group_id={formed['id']}", SUPERVISOR)
    assert sorted(i["id"] for i in listed) == sorted(ids)
    events = await events_until(api, since, ids, PLANNED)
    planned = [e.aggregate_id for e in events if e.type == PLANNED]
    assert sorted(planned) == sorted(ids)

    changed = await api.http.post(
        "/v1/inspections", json={**plan, "planned_on": "2026-03-12"}, headers=keyed(SUPERVISOR, key)
    )
    assert changed.status_code == 422, changed.text
    assert changed.json()["error"]["code"] == "idempotency_key_reused"


async def test_a_retried_visit_is_one_visit_and_its_opinions_one_problem_each(
    api: SupervisionApi,
) -> None:
    api.at(3, 18)
    visit = {
        "unit_code": VILLAGE,
        "visited_on": "2026-03-18",
        "visitor": "驻村领导",
        "visitor_role": "leader",
        "households": [{"kind": "ordinary"}],
        "opinions": [{"description": "路灯损坏", "category": "人居环境"}],
    }
    since = await end_offsets(api.bootstrap, SUPERVISION.name)
    key = str(uuid.uuid4())
    first = await api.http.post("/v1/visits", json=visit, headers=keyed(TOWNSHIP_STAFF, key))
    assert first.status_code == 201, first.text
    retry = await api.http.post("/v1/visits", json=visit, headers=keyed(TOWNSHIP_STAFF, key))
    assert retry.status_code == 201, retry.text
    assert retry.json() == first.json()
    visit_id = first.json()["id"]

    found = await api.call("GET", f"/v1/visits?region={VILLAGE}&month=2026-03", TOWNSHIP_SEC)
    assert [v["id"] for v in found] == [visit_id]

    async def problem_registered() -> bool:
        problems = await api.call(
            "GET", f"/v1/problems?region={VILLAGE}&month=2026-03", TOWNSHIP_SEC
        )
        return len(problems) >= 1

    await api.eventually(problem_registered, "the visit's opinion to enter the problem list")
    problems = await api.call("GET", f"/v1/problems?region={VILLAGE}&month=2026-03", TOWNSHIP_SEC)
    assert [p["id"] for p in problems] == first.json()["problem_ids"]

    events = await events_until(api, since, {visit_id}, LOGGED)
    assert [e.type for e in events].count(LOGGED) == 1


async def test_a_retried_task_assignment_is_one_task(api: SupervisionApi) -> None:
    api.at(3, 18)
    order = {
        "unit_code": TOWNSHIP,
        "content": "核查村级项目台账",
        "owner": "李主任",
        "deadline": "2026-04-30",
    }
    key = str(uuid.uuid4())
    first = await api.http.post("/v1/dispatch/tasks", json=order, headers=keyed(CITY_ORG, key))
    assert first.status_code == 201, first.text
    retry = await api.http.post("/v1/dispatch/tasks", json=order, headers=keyed(CITY_ORG, key))
    assert retry.status_code == 201, retry.text
    assert retry.json()["id"] == first.json()["id"]
    stored = await api.db["dispatch_tasks"].count_documents({"content": order["content"]})
    assert stored == 1


async def test_a_retried_score_adjustment_is_one_adjustment(api: SupervisionApi) -> None:
    bonus = {"year": 2026, "unit_code": VILLAGE, "points": 3, "reason": "获评省级民主法治示范村"}
    key = str(uuid.uuid4())
    url = "/v1/assessments/adjustments"
    first = await api.http.post(url, json=bonus, headers=keyed(CITY_ORG, key))
    assert first.status_code == 201, first.text
    retry = await api.http.post(url, json=bonus, headers=keyed(CITY_ORG, key))
    assert retry.status_code == 201, retry.text
    assert retry.headers["idempotent-replayed"] == "true"
    assert retry.json() == first.json()
    changed = await api.http.post(url, json={**bonus, "points": 4}, headers=keyed(CITY_ORG, key))
    assert changed.status_code == 422
    second = await api.http.post(url, json=bonus, headers=keyed(CITY_ORG, str(uuid.uuid4())))
    assert second.status_code == 201
    [stored] = await api.db["assessments"].find({}, {"adjustments": 1}).to_list()
    assert [a["id"] for a in stored["adjustments"]] == [first.json()["id"], second.json()["id"]]


async def test_a_retried_problem_is_one_problem(api: SupervisionApi) -> None:
    secretary = auth(Role.VILLAGE_SECRETARY, VILLAGE)
    problem = {
        "unit_code": VILLAGE,
        "year": 2026,
        "source": "self_examination",
        "channel": "suggestion_box",
        "category": "民生服务",
        "level": "organisation",
        "description": "村卫生室开放时间短",
    }
    key = str(uuid.uuid4())
    first = await api.http.post("/v1/problems", json=problem, headers=keyed(secretary, key))
    assert first.status_code == 201, first.text
    retry = await api.http.post("/v1/problems", json=problem, headers=keyed(secretary, key))
    assert retry.status_code == 201, retry.text
    assert retry.json()["id"] == first.json()["id"]
    # The test's own database: this is its only problem.
    assert [d["_id"] async for d in api.db["problems"].find({}, {"_id": 1})] == [first.json()["id"]]
