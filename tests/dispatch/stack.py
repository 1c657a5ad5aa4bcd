"""The three services a dispatch year runs on, for the acceptance tests: supervision,
notifications (on a clock the test moves with supervision's) and reporting (reading
only the events from the test's start, not the history earlier tests left)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
from fastapi import FastAPI

from devstack.infra import Endpoints
from lingban_contracts import REGISTRY
from lingban_kit.auth import DEV_JWT_SECRET
from lingban_kit.clock import FixedClock
from lingban_kit.testing import group_at_end
from lingban_notifications.directory.domain import Recipient
from lingban_notifications.settings import NotificationsSettings
from lingban_reporting.app import create_app as reporting_app
from lingban_reporting.contract import CONTRACT as REPORTING_CONTRACT
from lingban_reporting.settings import ReportingSettings
from tests.notifications.builders import local
from tests.notifications.conftest import running as running_notifications
from tests.supervision.conftest import running_app as running_supervision


@dataclass
class DispatchStack:
    sup: Any  # supervision: `call`, `at`, `eventually`
    notif: Any  # notifications: its wiring and HTTP client
    rpt: httpx.AsyncClient  # reporting's API
    at: Callable[[int, int], None]  # move both clocks to a day of 2026


@asynccontextmanager
async def dispatch_stack(
    infra: Endpoints,
    notif_settings: NotificationsSettings,
    contacts: list[Recipient],
    *,
    group: str,
    reporting_now: datetime,
) -> AsyncIterator[DispatchStack]:
    bootstrap = infra.kafka_bootstrap_servers
    topics = sorted({REGISTRY.for_type(t).topic.name for t in REPORTING_CONTRACT.receives})
    reporting_settings = ReportingSettings(
        kafka_bootstrap_servers=bootstrap,
        mongodb_uri=infra.mongodb_uri,
        mongodb_database=f"lingban_test_{uuid.uuid4().hex[:10]}",
        # Only this test's events, not the history earlier tests left on the topics.
        consumer_group=await group_at_end(bootstrap, f"{group}-{uuid.uuid4().hex[:8]}", topics),
        auth_jwt_secret=DEV_JWT_SECRET,
        consumer_retry_backoff_seconds=0.01,
        consumer_poll_ms=100,
    )
    notif_clock = FixedClock(local(2026, 3, 4, 9))
    reporting: FastAPI = reporting_app(reporting_settings, FixedClock(reporting_now))
    async with (
        running_supervision(infra, f"lingban_test_{uuid.uuid4().hex[:10]}") as sup,
        running_notifications(notif_settings, notif_clock, contacts) as notif,
        reporting.router.lifespan_context(reporting),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=reporting), base_url="http://reporting"
        ) as rpt,
    ):

        def at(month: int, day: int) -> None:
            sup.at(month, day)
            notif_clock.set(local(2026, month, day, 9))

        yield DispatchStack(sup, notif, rpt, at)
