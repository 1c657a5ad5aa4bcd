"""An in-process reporting app on the real broker and database, with a fixed clock."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pymongo import AsyncMongoClient, monitoring

from devstack.infra import Endpoints
from lingban_kit.auth import DEV_JWT_SECRET
from lingban_kit.clock import FixedClock
from lingban_kit.mongo import Database
from lingban_reporting.app import create_app
from lingban_reporting.settings import ReportingSettings

CITY = "340881000000"
TOWNSHIP = "340881100000"  # 新渡镇
VILLAGE = "340881100201"  # 北塘村, in 新渡镇
OTHER_TOWNSHIP = "340881101000"  # 双港镇


@dataclass
class Commands(monitoring.CommandListener):
    """The commands sent while `on`: (name, command)."""

    on: bool = False
    sent: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if self.on:
            self.sent.append((event.command_name, dict(event.command)))

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass

    def finds(self, collection: str | None = None) -> list[dict[str, Any]]:
        """The filters of the finds (of one collection)."""
        return [
            dict(c.get("filter") or {})
            for name, c in self.sent
            if name == "find" and collection in (None, c["find"])
        ]

    def of(self, name: str, collection: str) -> list[dict[str, Any]]:
        return [c for n, c in self.sent if n == name and c[name] == collection]


@pytest.fixture
async def recorded(infra: Endpoints) -> AsyncIterator[tuple[Database, Commands]]:
    """A fresh database on a client whose commands are recorded while `on`."""
    recorder = Commands()
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        infra.mongodb_uri, tz_aware=True, event_listeners=[recorder]
    )
    name = f"lingban_test_{uuid.uuid4().hex[:10]}"
    try:
        yield client[name], recorder
    finally:
        await client.drop_database(name)
        await client.close()


@dataclass
class ReportingApi:
    http: httpx.AsyncClient
    db: Database
    settings: ReportingSettings


@pytest.fixture
async def reporting(infra: Endpoints) -> AsyncIterator[ReportingApi]:
    settings = ReportingSettings(
        kafka_bootstrap_servers=infra.kafka_bootstrap_servers,
        mongodb_uri=infra.mongodb_uri,
        mongodb_database=f"lingban_test_{uuid.uuid4().hex[:10]}",
        consumer_group=f"reporting-test-{uuid.uuid4().hex[:8]}",
        auth_jwt_secret=DEV_JWT_SECRET,
        consumer_retry_backoff_seconds=0.01,
        consumer_poll_ms=100,
    )
    app: FastAPI = create_app(settings, FixedClock(datetime(2026, 7, 15, 2, tzinfo=UTC)))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://reporting") as http:
            yield ReportingApi(http, app.state.runtime.db, settings)
        await app.state.runtime.mongo_client.drop_database(settings.mongodb_database)
