"""A retried command after a lost answer is applied once (R14), on the real stack.

The client sends an `Idempotency-Key` per form submission and the same key on
every retry: a declaration retried makes one project and one event on Kafka, a
stage or weekly report retried is one entry. The database here is the tests'
FerretDB, whose write pymongo never retries: exactly the case of a timeout whose
write landed.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from devstack.infra import Endpoints
from lingban_contracts import decode_record
from lingban_contracts.topics import PROJECTS
from lingban_kit.auth import Role
from lingban_kit.testing import collect, end_offsets
from tests.auth import auth

from .builders import TOWNSHIP, VILLAGE
from .conftest import ProjectsApi
from .test_api import body

pytestmark = pytest.mark.integration

UNIT = auth(Role.VILLAGE_SECRETARY, VILLAGE)
ABOVE = auth(Role.TOWNSHIP_SECRETARY, TOWNSHIP)
SCORES = {"feasibility": 85, "precision": 80, "effectiveness": 88}
DECLARED = b"lingban.projects.project-declared.v1"


def keyed(key: str, headers: dict[str, str] = UNIT) -> dict[str, str]:
    return {**headers, "Idempotency-Key": key}


async def events_of(
    infra: Endpoints, since: Any, project_id: str, *, until_version: int
) -> list[Any]:
    """Every event of one project after `since`, read until the one at `until_version`:
    one aggregate's events are in order on one partition, so a copy of an earlier
    event would have come before it."""
    records = await collect(
        infra.kafka_bootstrap_servers,
        PROJECTS.name,
        since,
        match=lambda r: r.key == project_id.encode(),
        until=lambda found: any(
            decode_record(r.headers, r.value).aggregate_version >= until_version for r in found
        ),
    )
    return [decode_record(r.headers, r.value) for r in records]


async def test_a_declaration_retried_with_its_key_is_one_project_and_one_event(
    api: ProjectsApi, infra: Endpoints
) -> None:
    http = api.http
    since = await end_offsets(infra.kafka_bootstrap_servers, PROJECTS.name)
    key = str(uuid.uuid4())
    first = await http.post("/v1/projects", json=body(), headers=keyed(key))
    assert first.status_code == 201, first.text
    assert "idempotent-replayed" not in first.headers
    # The answer was lost; the browser sends the same submission again.
    retry = await http.post("/v1/projects", json=body(), headers=keyed(key))
    assert retry.status_code == 201, retry.text
    assert retry.headers["idempotent-replayed"] == "true"
    assert retry.json() == first.json()
    project_id = first.json()["id"]

    stored = await api.db["projects"].count_documents({"unit_code": VILLAGE, "_id": project_id})
    assert stored == 1
    listed = await http.get("/v1/projects", params={"year": 2026}, headers=UNIT)
    assert [p["id"] for p in listed.json()].count(project_id) == 1
    assert len([p for p in listed.json() if p["declaration"]["title"] == body()["title"]]) == 1

    # One more change, so that reading up to it shows every event before it.
    submitted = await http.post(f"/v1/projects/{project_id}/submission", headers=UNIT)
    assert submitted.status_code == 200, submitted.text
    events = await events_of(infra, since, project_id, until_version=2)
    assert [e.type.encode() for e in events].count(DECLARED) == 1
    assert [e.aggregate_version for e in events] == [1, 2]


async def test_two_keys_are_two_projects_and_no_key_draws_a_new_id(
    api: ProjectsApi, infra: Endpoints
) -> None:
    http = api.http
    since = await end_offsets(infra.kafka_bootstrap_servers, PROJECTS.name)
    one = await http.post("/v1/projects", json=body(), headers=keyed(str(uuid.uuid4())))
    two = await http.post("/v1/projects", json=body(), headers=keyed(str(uuid.uuid4())))
    unkeyed = await http.post("/v1/projects", json=body(), headers=UNIT)
    assert [a.status_code for a in (one, two, unkeyed)] == [201, 201, 201]
    ids = {a.json()["id"] for a in (one, two, unkeyed)}
    assert len(ids) == 3
    records = await collect(
        infra.kafka_bootstrap_servers,
        PROJECTS.name,
        since,
        match=lambda r: r.key is not None and r.key.decode() in ids,
        until=lambda found: len({r.key for r in found}) >= 3,
    )
    assert {r.key.decode() for r in records if r.key is not None} == ids


async def test_the_same_key_for_another_body_or_caller(api: ProjectsApi) -> None:
    http = api.http
    key = str(uuid.uuid4())
    first = await http.post("/v1/projects", json=body(), headers=keyed(key))
    assert first.status_code == 201, first.text
    # Keys ordered differently are the same JSON: still a retry.
    reordered = dict(reversed(list(body().items())))
    assert (await http.post("/v1/projects", json=reordered, headers=keyed(key))).status_code == 201

    changed = await http.post("/v1/projects", json=body(title="另一个项目"), headers=keyed(key))
    assert changed.status_code == 422, changed.text
    error = changed.json()["error"]
    assert error["code"] == "idempotency_key_reused"
    assert "幂等键" in error["message"]
    english = await http.post(
        "/v1/projects",
        json=body(title="另一个项目"),
        headers={**keyed(key), "Accept-Language": "en"},
    )
    assert "different body" in english.json()["error"]["message"]

    # Another person's key of the same value is theirs: a project of its own.
    other = auth(Role.TOWNSHIP_STAFF, TOWNSHIP)
    theirs = await http.post("/v1/projects", json=body(), headers=keyed(key, other))
    assert theirs.status_code == 201, theirs.text
    assert theirs.json()["id"] != first.json()["id"]

    bad = await http.post("/v1/projects", json=body(), headers=keyed("x" * 256))
    assert bad.status_code == 422
    assert "Idempotency-Key" in bad.json()["error"]["message"]


async def in_execution(api: ProjectsApi) -> str:
    http = api.http
    created = await http.post("/v1/projects", json=body(), headers=UNIT)
    assert created.status_code == 201, created.text
    url = f"/v1/projects/{created.json()['id']}"
    for path, headers, payload in (
        ("submission", UNIT, None),
        ("review", ABOVE, {"decision": "approve", "scores": SCORES}),
        ("filing", ABOVE, None),
        ("announcement", ABOVE, {"starts_on": "2026-01-06", "ends_on": "2026-01-12"}),
    ):
        answer = await http.post(f"{url}/{path}", json=payload, headers=headers)
        assert answer.is_success, answer.text
    api.clock.set(datetime(2026, 4, 10, 2, tzinfo=UTC))
    started = await http.post(f"{url}/execution", headers=ABOVE)
    assert started.is_success, started.text
    return str(created.json()["id"])


async def test_a_retried_stage_or_weekly_report_is_one_entry(
    api: ProjectsApi, infra: Endpoints
) -> None:
    http = api.http
    project_id = await in_execution(api)
    url = f"/v1/projects/{project_id}"
    version = (await http.get(url, headers=UNIT)).json()["version"]
    since = await end_offsets(infra.kafka_bootstrap_servers, PROJECTS.name)

    report = {"status": "partly", "percent": 40, "narrative": "摸底过半"}
    key = str(uuid.uuid4())
    # The form names the version it read; its retry names the same one although the
    # first attempt moved the project on: still answered, not a 409.
    headers = {**keyed(key), "If-Match": f'"{version}"'}
    first = await http.post(f"{url}/stages/2026-04/reports", json=report, headers=headers)
    assert first.status_code == 200, first.text
    retry = await http.post(f"{url}/stages/2026-04/reports", json=report, headers=headers)
    assert retry.status_code == 200, retry.text
    assert retry.headers["idempotent-replayed"] == "true"
    assert retry.json()["version"] == first.json()["version"] == version + 1
    [stage] = [s for s in retry.json()["stages"] if s["month"] == "2026-04"]
    assert stage["percent"] == 40

    changed = await http.post(
        f"{url}/stages/2026-04/reports", json={**report, "percent": 50}, headers=keyed(key)
    )
    assert changed.status_code == 422
    assert changed.json()["error"]["code"] == "idempotency_key_reused"
    # A new submission (a new key) of the same words is a second report, as asked.
    again = await http.post(
        f"{url}/stages/2026-04/reports", json=report, headers=keyed(str(uuid.uuid4()))
    )
    assert again.status_code == 200
    assert again.json()["version"] == version + 2

    weekly = {"week": "2026-W15", "key_tasks": ["入户摸底"], "narrative": "本周摸底 30 户"}
    weekly_key = keyed(str(uuid.uuid4()))
    first_weekly = await http.post(f"{url}/weekly-reports", json=weekly, headers=weekly_key)
    assert first_weekly.status_code == 200, first_weekly.text
    retried_weekly = await http.post(f"{url}/weekly-reports", json=weekly, headers=weekly_key)
    assert retried_weekly.status_code == 200, retried_weekly.text
    assert len(retried_weekly.json()["weekly_reports"]) == 1
    assert retried_weekly.json()["version"] == version + 3
    # Without a key a second weekly report of the same week is still the domain's 409.
    unkeyed = await http.post(f"{url}/weekly-reports", json=weekly, headers=UNIT)
    assert unkeyed.status_code == 409

    events = await events_of(infra, since, project_id, until_version=version + 3)
    assert [e.type for e in events] == [
        "lingban.projects.stage-reported.v1",
        "lingban.projects.stage-reported.v1",
        "lingban.projects.weekly-report-submitted.v1",
    ]
    assert [e.aggregate_version for e in events] == [version + 1, version + 2, version + 3]
