"""An in-process supervision app on the real database and broker, with a clock the test controls."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from devstack.infra import Endpoints
from lingban_contracts import Actor, Envelope, encode_record, new_envelope
from lingban_contracts.events.projects import (
    CompletionAccepted,
    ProjectDeclared,
    ProjectExecutionStarted,
    StageTask,
)
from lingban_contracts.topics import PROJECTS, SUPERVISION
from lingban_kit.auth import DEV_JWT_SECRET
from lingban_kit.clock import FixedClock
from lingban_kit.kafka import ensure_topics, new_admin, new_producer, send_records
from lingban_kit.mongo import Database
from lingban_kit.testing import group_at_end
from lingban_supervision.app import create_app
from lingban_supervision.settings import SupervisionSettings


@dataclass
class SupervisionApi:
    http: httpx.AsyncClient
    clock: FixedClock
    bootstrap: str
    db: Database  # the service's own database, for query-plan checks
    consumer_group: str = ""  # the service's Kafka consumer group

    async def consumed(self, published: dict[Any, int]) -> bool:
        """Whether the service has handled everything up to `published` (topic end offsets)."""
        admin = new_admin(self.bootstrap)
        await admin.start()
        try:
            committed = await admin.list_consumer_group_offsets(self.consumer_group)
        finally:
            await admin.close()
        return all(
            tp in committed and committed[tp].offset >= end
            for tp, end in published.items()
            if end > 0
        )

    def at(self, month: int, day: int) -> None:
        self.clock.set(datetime(2026, month, day, 2, tzinfo=UTC))

    async def call(
        self, method: str, url: str, headers: dict[str, str], body: Any = None, expect: int = 200
    ) -> Any:
        answer = await self.http.request(method, url, json=body, headers=headers)
        assert answer.status_code == expect, answer.text
        return answer.json()

    async def eventually(self, probe: Callable[[], Awaitable[bool]], what: str) -> None:
        """Wait for a consumer to catch up (bounded; the broker is real)."""
        import asyncio

        for _ in range(150):
            if await probe():
                return
            await asyncio.sleep(0.2)
        raise AssertionError(f"timed out waiting for {what}")


def _project_events(
    project_id: str, unit_code: str, category: str, *, in_execution: bool, completed: bool
) -> list[Envelope]:
    actor = Actor(id="projects-test")

    def wrap(data: Any, version: int) -> Envelope:
        return new_envelope(
            data=data,
            source_service="projects",
            actor=actor,
            region_code=unit_code,
            aggregate_id=project_id,
            aggregate_version=version,
        )

    ids = {"project_id": project_id, "unit_code": unit_code, "year": 2026}
    events = [
        wrap(
            ProjectDeclared(
                **ids,
                title=f"{category}项目",
                category=category,
                problem="p",
                expected_goals="g",
                evaluation_criteria="c",
                lead_secretary="书记",
                task_force=["甲"],
                deadline=date(2026, 12, 31),
                stage_tasks=[StageTask(month="2026-03", task="t", deliverable="d")],
            ),
            1,
        )
    ]
    if in_execution:
        events.append(
            wrap(
                ProjectExecutionStarted(
                    **ids,
                    stage_months=["2026-03"],
                    lead_secretary="书记",
                    deadline=date(2026, 12, 31),
                ),
                6,
            )
        )
    if completed:
        events.append(wrap(CompletionAccepted(**ids), 9))
    return events


PublishProject = Callable[..., Awaitable[str]]


@contextlib.asynccontextmanager
async def running_app(infra: Endpoints, database: str) -> AsyncIterator[SupervisionApi]:
    """The app started (its start hooks run) on `database`, which it does not drop."""
    bootstrap = infra.kafka_bootstrap_servers
    await ensure_topics(
        bootstrap,
        [(PROJECTS.name, PROJECTS.partitions), (SUPERVISION.name, SUPERVISION.partitions)],
        1,
    )
    settings = SupervisionSettings(
        kafka_bootstrap_servers=bootstrap,
        mongodb_uri=infra.mongodb_uri,
        mongodb_database=database,
        auth_jwt_secret=DEV_JWT_SECRET,
        outbox_poll_seconds=0.2,
        # Only the project and visit events this test publishes, not earlier tests' ones
        # (thousands on a long-lived broker, each read before the test's own).
        consumer_group=await group_at_end(
            bootstrap, f"supervision-test-{uuid.uuid4().hex[:8]}", [PROJECTS.name, SUPERVISION.name]
        ),
    )
    clock = FixedClock(datetime(2026, 3, 2, 2, tzinfo=UTC))
    app: FastAPI = create_app(settings, clock)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://supervision") as http:
            yield SupervisionApi(
                http, clock, bootstrap, app.state.runtime.db, settings.consumer_group or ""
            )


@pytest.fixture
async def api(infra: Endpoints, database: Database) -> AsyncIterator[SupervisionApi]:
    async with running_app(infra, database.name) as started:
        yield started


@pytest.fixture
async def publish_project(infra: Endpoints) -> AsyncIterator[PublishProject]:
    """Put a project's events on the projects topic as the projects service would."""
    producer = new_producer(infra.kafka_bootstrap_servers, "supervision-tests")
    await producer.start()

    async def publish(
        unit_code: str, category: str, *, in_execution: bool = True, completed: bool = False
    ) -> str:
        project_id = uuid.uuid4().hex
        events = _project_events(
            project_id, unit_code, category, in_execution=in_execution, completed=completed
        )
        await send_records(producer, [encode_record(e) for e in events])
        return project_id

    try:
        yield publish
    finally:
        await producer.stop()
