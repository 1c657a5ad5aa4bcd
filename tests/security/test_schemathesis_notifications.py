"""Schemathesis against the notifications service (tests/security/api_fuzz.py)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from devstack.infra import Endpoints
from lingban_contracts.topics import NOTIFICATIONS, PROJECTS, SUPERVISION
from lingban_kit.auth import DEV_JWT_SECRET, Role
from lingban_kit.clock import FixedClock
from lingban_kit.kafka import ensure_topics
from lingban_kit.mongo import Database
from lingban_kit.testing import group_at_end
from lingban_notifications.app import create_app
from lingban_notifications.settings import NotificationsSettings
from tests.security.api_fuzz import CITY, TOWNSHIP, VILLAGE, Caller, attack_app, report

CALLERS = [
    Caller(Role.CITY_ORG, CITY),
    Caller(Role.TOWNSHIP_SECRETARY, TOWNSHIP),
    Caller(Role.VILLAGE_SECRETARY, VILLAGE),
    Caller(Role.SUPERVISOR, CITY),
]


pytestmark = [
    pytest.mark.integration,
    # Schemathesis' own strategies draw from `random`, which Hypothesis frowns on.
    pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisDeprecationWarning"),
]


async def test_notifications_api_holds_its_contract_under_fuzzing(
    infra: Endpoints, database: Database
) -> None:
    bootstrap = infra.kafka_bootstrap_servers
    await ensure_topics(
        bootstrap, [(t.name, t.partitions) for t in (PROJECTS, SUPERVISION, NOTIFICATIONS)], 1
    )
    settings = NotificationsSettings(
        kafka_bootstrap_servers=bootstrap,
        mongodb_uri=infra.mongodb_uri,
        mongodb_database=database.name,
        consumer_group=await group_at_end(
            bootstrap,
            f"notifications-fuzz-{uuid.uuid4().hex[:8]}",
            [PROJECTS.name, SUPERVISION.name],
        ),
        auth_jwt_secret=DEV_JWT_SECRET,
        outbox_poll_seconds=0.2,
        # The API under attack, not the loops: the scheduler tick route still runs one round.
        background=False,
        workbench_url="https://lingban.example.cn",
    )
    app = create_app(settings, FixedClock(datetime(2026, 4, 1, 0, tzinfo=UTC)))
    failures = await attack_app(app, CALLERS)
    assert not failures, report(failures)
