"""Supervision covers a project from its declaration to its results (督导贯穿申报到成效),
on the real broker and database: an inspection may be planned for a project that is only
declared, or already accepted, while the random-draw pool keeps the projects in execution;
a withdrawn project can no longer be inspected."""

from __future__ import annotations

import pytest

from devstack.infra import Endpoints
from lingban_contracts import Actor, encode_record, new_envelope
from lingban_contracts.events.projects import ProjectWithdrawn
from lingban_contracts.topics import PROJECTS
from lingban_kit.auth import Role
from lingban_kit.kafka import new_producer, send_records
from lingban_kit.testing import end_offsets
from tests.auth import auth

from .builders import CITY, TOWNSHIP, VILLAGE, VILLAGE_2
from .conftest import PublishProject, SupervisionApi

pytestmark = pytest.mark.integration

CITY_ORG = auth(Role.CITY_ORG, CITY)
SUPERVISOR = auth(Role.SUPERVISOR, CITY)


async def withdraw(infra: Endpoints, project_id: str, unit_code: str) -> None:
    producer = new_producer(infra.kafka_bootstrap_servers, "supervision-tests")
    await producer.start()
    try:
        event = new_envelope(
            data=ProjectWithdrawn(
                project_id=project_id,
                unit_code=unit_code,
                year=2026,
                request_id="r1",
                reason="村并村，项目并入邻村",
            ),
            source_service="projects",
            actor=Actor(id="projects-test"),
            region_code=unit_code,
            aggregate_id=project_id,
            aggregate_version=20,
        )
        await send_records(producer, [encode_record(event)])
    finally:
        await producer.stop()


async def test_a_declared_or_accepted_project_may_be_inspected_by_name_not_a_withdrawn_one(
    api: SupervisionApi, publish_project: PublishProject, infra: Endpoints
) -> None:
    declared = await publish_project(VILLAGE, "小区治理", in_execution=False)
    accepted = await publish_project(VILLAGE_2, "民生服务", completed=True)
    executing = await publish_project(VILLAGE, "民生服务")
    withdrawn = await publish_project(VILLAGE_2, "小区治理", in_execution=False)
    await withdraw(infra, withdrawn, VILLAGE_2)
    published = await end_offsets(infra.kafka_bootstrap_servers, PROJECTS.name)

    async def all_handled() -> bool:
        return await api.consumed(published)

    await api.eventually(all_handled, "every published project event to be handled")
    pool = await api.call(
        "GET", f"/v1/inspectable-projects?year=2026&region={TOWNSHIP}", SUPERVISOR
    )
    assert [p["project_id"] for p in pool] == [executing]

    group = await api.call(
        "POST",
        "/v1/groups",
        CITY_ORG,
        {
            "region_code": CITY,
            "year": 2026,
            "name": "市督导组",
            "members": [{"name": "王组长", "department": "组织部", "leader": True}],
            "covered_units": [TOWNSHIP],
        },
        201,
    )

    def plan(project_id: str) -> dict[str, str]:
        return {
            "group_id": group["id"],
            "planned_on": "2026-03-12",
            "method": "on_site",
            "project_id": project_id,
        }

    for project_id in (declared, accepted, executing):
        planned = await api.call("POST", "/v1/inspections", SUPERVISOR, plan(project_id), 201)
        assert planned["project_id"] == project_id
    refused = await api.http.post("/v1/inspections", json=plan(withdrawn), headers=SUPERVISOR)
    assert refused.status_code == 422
    assert "已撤销" in refused.text
