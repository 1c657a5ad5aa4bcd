"""Schemathesis against the supervision service (tests/security/api_fuzz.py)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from devstack.infra import Endpoints
from lingban_contracts.topics import PROJECTS, SUPERVISION
from lingban_kit.auth import DEV_JWT_SECRET, Role
from lingban_kit.clock import FixedClock
from lingban_kit.kafka import ensure_topics
from lingban_kit.mongo import Database
from lingban_kit.testing import group_at_end
from lingban_supervision.app import create_app
from lingban_supervision.settings import SupervisionSettings
from tests.security.api_fuzz import CITY, TOWNSHIP, VILLAGE, Caller, attack_app, report

CALLERS = [
    Caller(Role.SUPERVISOR, CITY),
    Caller(Role.CITY_ORG, CITY),
    Caller(Role.TOWNSHIP_SECRETARY, TOWNSHIP),
    Caller(Role.VILLAGE_SECRETARY, VILLAGE),
]


pytestmark = [
    pytest.mark.integration,
    # Schemathesis' own strategies draw from `random`, which Hypothesis frowns on.
    pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisDeprecationWarning"),
]


async def test_supervision_api_holds_its_contract_under_fuzzing(
    infra: Endpoints, database: Database
) -> None:
    bootstrap = infra.kafka_bootstrap_servers
    topics = [PROJECTS, SUPERVISION]
    await ensure_topics(bootstrap, [(t.name, t.partitions) for t in topics], 1)
    settings = SupervisionSettings(
        kafka_bootstrap_servers=bootstrap,
        mongodb_uri=infra.mongodb_uri,
        mongodb_database=database.name,
        auth_jwt_secret=DEV_JWT_SECRET,
        outbox_poll_seconds=0.2,
        # At the topics' ends: earlier tests' events are not this test's concern.
        consumer_group=await group_at_end(
            bootstrap, f"supervision-fuzz-{uuid.uuid4().hex[:8]}", [t.name for t in topics]
        ),
    )
    app = create_app(settings, FixedClock(datetime(2026, 3, 2, 2, tzinfo=UTC)))
    failures = await attack_app(app, CALLERS)
    assert not failures, report(failures)
