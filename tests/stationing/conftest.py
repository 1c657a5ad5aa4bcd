"""Supervision and reporting in process on the real broker and database, with one clock."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from devstack.infra import Endpoints
from lingban_contracts.topics import DIVISIONS, NOTIFICATIONS, PROJECTS, SUPERVISION
from lingban_kit.auth import DEV_JWT_SECRET
from lingban_kit.kafka import ensure_topics
from lingban_kit.mongo import Database
from lingban_kit.testing import group_at_end
from lingban_reporting.app import create_app as create_reporting
from lingban_reporting.settings import ReportingSettings
from tests.supervision.conftest import SupervisionApi, running_app

TOPICS = (PROJECTS, SUPERVISION, NOTIFICATIONS, DIVISIONS)


@dataclass
class Stack:
    supervision: SupervisionApi
    reporting: httpx.AsyncClient

    def at(self, month: int, day: int) -> None:
        self.supervision.clock.set(datetime(2026, month, day, 2, tzinfo=UTC))

    async def call(
        self, method: str, url: str, headers: dict[str, str], body: Any = None, expect: int = 200
    ) -> Any:
        return await self.supervision.call(method, url, headers, body, expect)

    async def report(self, url: str, headers: dict[str, str]) -> Any:
        answer = await self.reporting.get(url, headers=headers)
        assert answer.status_code == 200, answer.text
        return answer.json()

    async def eventually(self, probe: Callable[[], Awaitable[bool]], what: str) -> None:
        """Wait for reporting's consumer to catch up (bounded; the broker is real)."""
        for _ in range(300):
            if await probe():
                return
            await asyncio.sleep(0.2)
        raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
async def stack(infra: Endpoints, database: Database) -> AsyncIterator[Stack]:
    bootstrap = infra.kafka_bootstrap_servers
    await ensure_topics(bootstrap, [(t.name, t.partitions) for t in TOPICS], 1)
    settings = ReportingSettings(
        kafka_bootstrap_servers=bootstrap,
        mongodb_uri=infra.mongodb_uri,
        mongodb_database=f"{database.name}_rpt",
        # Only this test's events, not what earlier tests left on the shared topics.
        consumer_group=await group_at_end(
            bootstrap, f"reporting-stationing-{uuid.uuid4().hex[:8]}", [t.name for t in TOPICS]
        ),
        auth_jwt_secret=DEV_JWT_SECRET,
        consumer_retry_backoff_seconds=0.01,
        consumer_poll_ms=100,
    )
    reporting: FastAPI = create_reporting(settings)
    transport = httpx.ASGITransport(app=reporting)
    async with (
        running_app(infra, database.name) as supervision,
        reporting.router.lifespan_context(reporting),
        httpx.AsyncClient(transport=transport, base_url="http://reporting") as http,
    ):
        yield Stack(supervision, http)
        await reporting.state.runtime.mongo_client.drop_database(settings.mongodb_database)
