"""The projects HTTP API on the real database and broker: errors, permissions, events."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from devstack.infra import Endpoints
from lingban_contracts import decode_record
from lingban_contracts.topics import PROJECTS
from lingban_kit.auth import Role
from lingban_kit.testing import collect, end_offsets
from tests.auth import auth

from .builders import OTHER_TOWNSHIP, TOWNSHIP, VILLAGE
from .conftest import ProjectsApi

pytestmark = pytest.mark.integration


def token(role: Role, region: str = VILLAGE) -> dict[str, str]:
    return auth(role, region)


def body(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "unit_code": VILLAGE,
        "year": 2026,
        "title": "背街小巷环境整治",
        "category": "小区治理",
        "problem": "背街小巷脏乱差",
        "expected_goals": "年底前全部整治到位",
        "evaluation_criteria": "群众满意度 90% 以上",
        "lead_secretary": "张书记",
        "task_force": ["李四"],
        "deadline": "2026-05-31",
        "stage_tasks": [
            {"month": "2026-04", "task": "摸底", "deliverable": "问题清单"},
            {"month": "2026-05", "task": "整治", "deliverable": "验收报告"},
        ],
    }
    base.update(changes)
    return base


@pytest.fixture
def client(api: ProjectsApi) -> httpx.AsyncClient:
    return api.http


async def test_declared_project_is_stored_and_published(
    client: httpx.AsyncClient, infra: Endpoints
) -> None:
    since = await end_offsets(infra.kafka_bootstrap_servers, PROJECTS.name)
    created = await client.post("/v1/projects", json=body(), headers=token(Role.VILLAGE_SECRETARY))
    assert created.status_code == 201, created.text
    project = created.json()
    assert project["status"] == "draft"
    assert project["version"] == 1
    assert project["unit_name"] == "北塘村"
    assert created.headers["etag"] == '"1"'

    read = await client.get(f"/v1/projects/{project['id']}", headers=token(Role.LEADER, TOWNSHIP))
    assert read.status_code == 200
    assert read.json()["declaration"]["title"] == "背街小巷环境整治"

    [record] = await collect(
        infra.kafka_bootstrap_servers,
        PROJECTS.name,
        since,
        match=lambda r: r.key == project["id"].encode(),
        until=lambda f: len(f) >= 1,
    )
    event = decode_record(record.headers, record.value)
    assert event.type == "lingban.projects.project-declared.v1"
    assert event.actor.id == f"{Role.VILLAGE_SECRETARY.value}@{VILLAGE}"
    assert event.region_code == VILLAGE
    assert event.aggregate_version == 1
    assert created.headers["x-correlation-id"] == event.correlation_id


async def test_missing_token_is_401_with_a_chinese_message(client: httpx.AsyncClient) -> None:
    answer = await client.post("/v1/projects", json=body())
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "unauthenticated"
    assert "登录" in answer.json()["error"]["message"]


async def test_english_on_request(client: httpx.AsyncClient) -> None:
    headers = {**token(Role.VILLAGE_SECRETARY), "Accept-Language": "en-US"}
    answer = await client.post("/v1/projects", json=body(deadline="2026-04-30"), headers=headers)
    assert answer.status_code == 422
    error = answer.json()["error"]
    assert error["message"].startswith("The declaration has problems")
    assert error["details"] == [
        {
            "field": "stage_tasks.1.month",
            "message": "Stage month 2026-05 is after the deadline 2026-04-30",
        }
    ]


async def test_schema_errors_name_the_field(client: httpx.AsyncClient) -> None:
    answer = await client.post(
        "/v1/projects",
        json=body(unit_code="12345", title=""),
        headers=token(Role.VILLAGE_SECRETARY),
    )
    assert answer.status_code == 422
    fields = {d["field"] for d in answer.json()["error"]["details"]}
    assert fields == {"unit_code", "title"}


async def test_outside_jurisdiction_is_403_and_unknown_is_404(client: httpx.AsyncClient) -> None:
    answer = await client.post(
        "/v1/projects", json=body(), headers=token(Role.TOWNSHIP_SECRETARY, OTHER_TOWNSHIP)
    )
    assert answer.status_code == 403
    assert "管辖范围" in answer.json()["error"]["message"]
    missing = await client.get("/v1/projects/nope", headers=token(Role.LEADER))
    assert missing.status_code == 404


async def test_ops_endpoints(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json()["status"] == "ok"
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"mongodb": "ok", "kafka": "ok"}
    metrics = (await client.get("/metrics")).text
    assert "lingban_http_requests_total" in metrics
    asyncapi = (await client.get("/asyncapi.json")).json()
    assert asyncapi["asyncapi"] == "3.0.0"
    assert "lingban.projects.project-declared.v1" in json.dumps(asyncapi["components"]["messages"])
    assert (await client.get("/openapi.json")).status_code == 200


async def test_an_if_match_that_is_not_a_version_is_a_clear_422(client: httpx.AsyncClient) -> None:
    created = await client.post("/v1/projects", json=body(), headers=token(Role.VILLAGE_SECRETARY))
    project_id = created.json()["id"]
    answer = await client.post(
        f"/v1/projects/{project_id}/submission",
        headers={**token(Role.VILLAGE_SECRETARY), "If-Match": '"latest"', "Accept-Language": "en"},
    )
    assert answer.status_code == 422
    assert answer.json()["error"]["message"] == (
        "If-Match must be the version number (the ETag you last read)"
    )
    fresh = await client.get(f"/v1/projects/{project_id}", headers=token(Role.VILLAGE_SECRETARY))
    assert fresh.json()["status"] == "draft"  # nothing was submitted


async def test_the_declarer_reviewing_is_403_in_chinese_and_english(
    client: httpx.AsyncClient,
) -> None:
    """§LB-10: township staff declare and submit a village's project, then try to approve it."""
    staff = auth(Role.TOWNSHIP_STAFF, TOWNSHIP, sub="staff-lb10")
    created = await client.post("/v1/projects", json=body(), headers=staff)
    assert created.status_code == 201, created.text
    url = f"/v1/projects/{created.json()['id']}"
    submitted = await client.post(f"{url}/submission", headers=staff)
    assert submitted.status_code == 200, submitted.text
    review = {
        "decision": "approve",
        "scores": {"feasibility": 80, "precision": 80, "effectiveness": 80},
    }
    refused = await client.post(f"{url}/review", json=review, headers=staff)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "forbidden"
    assert "不能研判" in refused.json()["error"]["message"]
    english = await client.post(
        f"{url}/review", json=review, headers={**staff, "Accept-Language": "en"}
    )
    assert "cannot review" in english.json()["error"]["message"]
    colleague = auth(Role.TOWNSHIP_SECRETARY, TOWNSHIP, sub="secretary-lb10")
    approved = await client.post(f"{url}/review", json=review, headers=colleague)
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved"
