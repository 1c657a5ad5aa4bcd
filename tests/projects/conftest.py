"""An in-process projects app on the real database and broker, with a clock the test controls."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from devstack.infra import Endpoints
from lingban_contracts.topics import PROJECTS
from lingban_kit.auth import DEV_JWT_SECRET
from lingban_kit.clock import FixedClock
from lingban_kit.kafka import ensure_topics
from lingban_kit.mongo import Database
from lingban_projects.app import create_app
from lingban_projects.settings import ProjectsSettings


@dataclass
class ProjectsApi:
    http: httpx.AsyncClient
    clock: FixedClock
    db: Database  # the service's own database, for query-plan checks
    settings: ProjectsSettings | None = None  # the running app's (its loops read them live)


@contextlib.asynccontextmanager
async def running_app(
    infra: Endpoints, database: str, **overrides: Any
) -> AsyncIterator[ProjectsApi]:
    """The app started (its start hooks run) on `database`, which it does not drop.

    `overrides` are settings fields (e.g. a lowered `file_max_bytes`).
    """
    await ensure_topics(infra.kafka_bootstrap_servers, [(PROJECTS.name, PROJECTS.partitions)], 1)
    settings = ProjectsSettings(
        kafka_bootstrap_servers=infra.kafka_bootstrap_servers,
        mongodb_uri=infra.mongodb_uri,
        mongodb_database=database,
        auth_jwt_secret=DEV_JWT_SECRET,
        outbox_poll_seconds=0.2,
        **overrides,
    )
    clock = FixedClock(datetime(2026, 1, 5, 2, tzinfo=UTC))
    app: FastAPI = create_app(settings, clock)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://projects") as http:
            yield ProjectsApi(http, clock, app.state.runtime.db, settings)


@pytest.fixture
async def api(infra: Endpoints, database: Database) -> AsyncIterator[ProjectsApi]:
    async with running_app(infra, database.name) as started:
        yield started
