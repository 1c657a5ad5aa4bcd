"""The demo's assessment part against the real supervision app: the scheme, a 加分, the
final assessment, a 约谈 and two published model cases; a rerun adds nothing."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest

from devstack.demo_api import Api, Failure, _http_failure
from devstack.demo_assessment import BONUS_REASON, load_assessment
from devstack.infra import Endpoints
from lingban_contracts import Actor, encode_record, new_envelope
from lingban_contracts.divisions import default_tree
from lingban_contracts.events.projects import ProjectEvaluated, Rating
from lingban_contracts.topics import PROJECTS, SUPERVISION
from lingban_kit import mongo
from lingban_kit.auth import DEV_JWT_SECRET, Role
from lingban_kit.clock import FixedClock
from lingban_kit.kafka import ensure_topics, new_producer, send_records
from lingban_kit.testing import group_at_end
from lingban_supervision.app import create_app
from lingban_supervision.settings import SupervisionSettings
from tests.auth import auth
from tests.supervision.conftest import _project_events

pytestmark = pytest.mark.integration

CITY = "340881000000"
VILLAGE_A, VILLAGE_B = "340881100201", "340881100202"


class AppApi(Api):
    """The demo's `Api` with the app in process as its transport (the real retry loop).

    The demo calls block in a worker thread; each is sent on the test's event loop."""

    def __init__(self, client: httpx.AsyncClient, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__("http://supervision", DEV_JWT_SECRET, "assessment", sleep=lambda _: None)
        self.client = client
        self.loop = loop
        self.writes = 0

    def _attempt(self, method: str, path: str, token: str, body: Any, timeout: float) -> Any:
        sent = self.client.request(
            method, path, json=body, headers={"Authorization": f"Bearer {token}"}
        )
        answer = asyncio.run_coroutine_threadsafe(sent, self.loop).result(timeout)
        if answer.status_code >= 400:
            failure: Failure = _http_failure(answer.status_code, answer.content)
            return failure
        self.writes += method != "GET"
        return answer.json()


def evaluated(pid: str, unit: str, total: float, rating: Rating) -> dict[str, Any]:
    return {
        "id": pid,
        "unit_code": unit,
        "declaration": {"title": "“板凳”议事会"},
        "status": "evaluated",
        "evaluation": {"rating": rating.value, "total": total, "model_case": False},
    }


async def publish_evaluated(bootstrap: str, projects: list[dict[str, Any]]) -> None:
    producer = new_producer(bootstrap, "assessment-demo-test")
    await producer.start()
    try:
        for p in projects:
            events = _project_events(
                p["id"], p["unit_code"], "议事协商", in_execution=True, completed=True
            )
            ids = {"project_id": p["id"], "unit_code": p["unit_code"], "year": 2026}
            data = ProjectEvaluated(
                **ids,
                governance_effect=90,
                problem_solved=90,
                plan_completed=90,
                total=p["evaluation"]["total"],
                rating=Rating(p["evaluation"]["rating"]),
                model_case=False,
                evaluated_at=datetime(2026, 12, 1, tzinfo=UTC),
            )
            events.append(
                new_envelope(
                    data=data,
                    source_service="projects",
                    actor=Actor(id="projects-test"),
                    region_code=p["unit_code"],
                    aggregate_id=p["id"],
                    aggregate_version=10,
                )
            )
            await send_records(producer, [encode_record(e) for e in events])
    finally:
        await producer.stop()


async def test_the_demo_assessment_part(infra: Endpoints) -> None:
    bootstrap = infra.kafka_bootstrap_servers
    await ensure_topics(bootstrap, [(t.name, t.partitions) for t in (PROJECTS, SUPERVISION)], 1)
    settings = SupervisionSettings(
        kafka_bootstrap_servers=bootstrap,
        mongodb_uri=infra.mongodb_uri,
        mongodb_database=f"lingban_test_{uuid.uuid4().hex[:10]}",
        auth_jwt_secret=DEV_JWT_SECRET,
        outbox_poll_seconds=0.2,
        consumer_group=await group_at_end(
            bootstrap, f"assessment-demo-{uuid.uuid4().hex[:8]}", [PROJECTS.name, SUPERVISION.name]
        ),
    )
    app = create_app(settings, FixedClock(datetime(2026, 12, 31, 2, tzinfo=UTC)))
    projects = [
        evaluated(uuid.uuid4().hex, VILLAGE_A, 92.3, Rating.EXCELLENT),
        evaluated(uuid.uuid4().hex, VILLAGE_B, 65.0, Rating.AVERAGE),
    ]
    client = mongo.connect(infra.mongodb_uri)
    try:
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://supervision"
            ) as http,
        ):
            await publish_evaluated(bootstrap, projects)
            loop = asyncio.get_running_loop()
            api = AppApi(http, loop)
            tree = default_tree()
            first = await load_assessment(api, tree, date(2026, 12, 31), projects)
            leader = auth(Role.LEADER, CITY)
            view = (await http.get("/v1/assessments", params={"year": 2026}, headers=leader)).json()
            assert view["status"] == "finalized"
            assert [e["unit_code"] for e in view["praise"]] == [VILLAGE_A]
            # The ratings-only talk rule: the 一般 village, not every unit without a rating.
            assert [e["unit_code"] for e in view["talks"]] == [VILLAGE_B]
            assert [t["unit_code"] for t in view["talks_held"]] == [VILLAGE_B]
            assert [a["reason"] for a in view["adjustments"]] == [BONUS_REASON]
            library = (
                await http.get("/v1/model-cases", params={"year": 2026}, headers=leader)
            ).json()
            assert sorted(c["kind"] for c in library) == ["model_township", "project"]
            # The title quotes the project's, whose own quotes become single.
            assert any(c["title"].endswith("“‘板凳’议事会”") for c in library)
            assert first.added == api.writes

            again = await load_assessment(AppApi(http, loop), tree, date(2026, 12, 31), projects)
            assert again.added == 0
            assert again.found > 0
    finally:
        await client.drop_database(settings.mongodb_database)
        await client.close()
