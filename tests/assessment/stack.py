"""Projects, supervision and reporting in process on the real broker and database, with
clocks the test moves (the acceptance test's stack)."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from devstack.infra import Endpoints
from lingban_contracts.topics import NOTIFICATIONS, PROJECTS, SUPERVISION
from lingban_kit import mongo
from lingban_kit.auth import DEV_JWT_SECRET
from lingban_kit.clock import FixedClock
from lingban_kit.kafka import ensure_topics
from lingban_kit.testing import group_at_end
from lingban_reporting.app import create_app as create_reporting
from lingban_reporting.settings import ReportingSettings
from tests.projects.conftest import ProjectsApi
from tests.projects.conftest import running_app as running_projects
from tests.supervision.conftest import SupervisionApi
from tests.supervision.conftest import running_app as running_supervision


@dataclass
class Stack:
    projects: ProjectsApi
    supervision: SupervisionApi
    reporting: httpx.AsyncClient
    reporting_clock: FixedClock

    def at(self, year: int, month: int, day: int) -> None:
        when = datetime(year, month, day, 2, tzinfo=UTC)
        for clock in (self.projects.clock, self.supervision.clock, self.reporting_clock):
            clock.set(when)


async def call(
    http: httpx.AsyncClient,
    method: str,
    url: str,
    headers: dict[str, str],
    body: Any = None,
    expect: int = 200,
    params: dict[str, Any] | None = None,
) -> Any:
    answer = await http.request(method, url, json=body, headers=headers, params=params)
    assert answer.status_code == expect, f"{method} {url}: {answer.status_code} {answer.text}"
    return answer.json()


async def until(probe: Callable[[], Awaitable[bool]], what: str, seconds: float = 60) -> None:
    """Wait for a consumer to catch up (bounded; the broker is real)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not await probe():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.2)


@contextlib.asynccontextmanager
async def stack(infra: Endpoints) -> AsyncIterator[Stack]:
    bootstrap = infra.kafka_bootstrap_servers
    topics = [PROJECTS, SUPERVISION, NOTIFICATIONS]
    await ensure_topics(bootstrap, [(t.name, t.partitions) for t in topics], 1)
    names = {s: f"lingban_test_{uuid.uuid4().hex[:10]}" for s in ("projects", "supervision")}
    settings = ReportingSettings(
        kafka_bootstrap_servers=bootstrap,
        mongodb_uri=infra.mongodb_uri,
        mongodb_database=f"lingban_test_{uuid.uuid4().hex[:10]}",
        # Only what this test publishes, not what earlier tests left on the topics.
        consumer_group=await group_at_end(
            bootstrap, f"assessment-reporting-{uuid.uuid4().hex[:8]}", [t.name for t in topics]
        ),
        auth_jwt_secret=DEV_JWT_SECRET,
        consumer_retry_backoff_seconds=0.01,
        consumer_poll_ms=100,
    )
    reporting_clock = FixedClock(datetime(2026, 1, 5, 2, tzinfo=UTC))
    reporting_app = create_reporting(settings, reporting_clock)
    client = mongo.connect(infra.mongodb_uri)
    try:
        async with (
            running_projects(infra, names["projects"]) as projects,
            running_supervision(infra, names["supervision"]) as supervision,
            reporting_app.router.lifespan_context(reporting_app),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=reporting_app), base_url="http://reporting"
            ) as reporting,
        ):
            yield Stack(projects, supervision, reporting, reporting_clock)
    finally:
        for name in [*names.values(), settings.mongodb_database]:
            await client.drop_database(name)
        await client.close()
