"""The project-kinds demo step against the real projects service (uvicorn, real database
and broker): what it leaves, and that a second run adds nothing."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

import pytest
import uvicorn

from devstack.demo_api import Api
from devstack.demo_project_kinds import ITEMS, KIND, load_project_kinds, township_of_demo
from devstack.infra import Endpoints
from lingban_contracts.divisions import default_tree
from lingban_contracts.topics import PROJECTS
from lingban_kit.auth import DEV_JWT_SECRET, Role
from lingban_kit.clock import FixedClock
from lingban_kit.kafka import ensure_topics
from lingban_kit.mongo import Database
from lingban_projects.app import create_app
from lingban_projects.settings import ProjectsSettings

pytestmark = pytest.mark.integration

TODAY = date(2026, 5, 20)


async def test_the_demo_declares_items_resolves_an_objection_and_changes_one(
    infra: Endpoints, database: Database
) -> None:
    await ensure_topics(infra.kafka_bootstrap_servers, [(PROJECTS.name, PROJECTS.partitions)], 1)
    settings = ProjectsSettings(
        kafka_bootstrap_servers=infra.kafka_bootstrap_servers,
        mongodb_uri=infra.mongodb_uri,
        mongodb_database=database.name,
        auth_jwt_secret=DEV_JWT_SECRET,
        outbox_poll_seconds=0.2,
    )
    app = create_app(settings, FixedClock(datetime(2026, 5, 20, 2, tzinfo=UTC)))
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on")
    )
    serving = asyncio.create_task(server.serve())
    try:
        while not server.started:
            if serving.done():
                serving.result()
            await asyncio.sleep(0.05)
        port = server.servers[0].sockets[0].getsockname()[1]
        api = Api(f"http://127.0.0.1:{port}", DEV_JWT_SECRET, "project kinds")
        tree = default_tree()

        first = await load_project_kinds(api, tree, TODAY)
        assert (first.added, first.found) == (ITEMS, 0)
        again = await load_project_kinds(api, tree, TODAY)
        assert (again.added, again.found) == (0, ITEMS)

        township, villages = township_of_demo(tree)
        org = api.token(Role.CITY_ORG, "340881000000")
        rows = await asyncio.to_thread(
            api.call, "GET", f"/v1/projects?year=2026&region={township.code}&limit=500", org
        )
        items = {p["unit_code"]: p for p in rows if p["kind"] == KIND}
        assert sorted(items) == sorted(u.code for u in villages)
        assert all(p["status"] == "in_execution" for p in items.values())
        assert all(len(p["reviews"][0]["criteria"]) == 4 for p in items.values())
        objected, changed, lagging = (items[u.code] for u in villages[:3])
        assert [(o["status"], o["received_offline"]) for o in objected["objections"]] == [
            ("dismissed", True)
        ]
        assert changed["revision"] == 2
        assert changed["declaration"]["expected_goals"].startswith("年底前建成示范点 2 处")
        assert lagging["lagging_months"] == ["2026-04"]
    finally:
        server.should_exit = True
        await serving
