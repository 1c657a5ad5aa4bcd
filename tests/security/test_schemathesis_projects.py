"""Schemathesis against the projects service (tests/security/api_fuzz.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from devstack.infra import Endpoints
from lingban_contracts.topics import PROJECTS
from lingban_kit.auth import DEV_JWT_SECRET, Role
from lingban_kit.clock import FixedClock
from lingban_kit.kafka import ensure_topics
from lingban_kit.mongo import Database
from lingban_projects.app import create_app
from lingban_projects.settings import ProjectsSettings
from tests.security.api_fuzz import CITY, TOWNSHIP, VILLAGE, Caller, attack_app, report

CALLERS = [
    Caller(Role.VILLAGE_SECRETARY, VILLAGE),
    Caller(Role.TOWNSHIP_SECRETARY, TOWNSHIP),
    Caller(Role.CITY_ORG, CITY),
    Caller(Role.LEADER, CITY),
]


pytestmark = [
    pytest.mark.integration,
    # Schemathesis' own strategies draw from `random`, which Hypothesis frowns on.
    pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisDeprecationWarning"),
]


async def test_projects_api_holds_its_contract_under_fuzzing(
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
    app = create_app(settings, FixedClock(datetime(2026, 3, 2, 2, tzinfo=UTC)))
    failures = await attack_app(app, CALLERS)
    assert not failures, report(failures)
