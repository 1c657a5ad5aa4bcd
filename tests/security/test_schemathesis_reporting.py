"""Schemathesis against the reporting service (tests/security/api_fuzz.py)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from devstack.infra import Endpoints
from lingban_kit.auth import DEV_JWT_SECRET, Role
from lingban_kit.clock import FixedClock
from lingban_kit.mongo import Database
from lingban_reporting.app import create_app
from lingban_reporting.settings import ReportingSettings
from tests.security.api_fuzz import CITY, TOWNSHIP, VILLAGE, Caller, attack_app, report

CALLERS = [
    Caller(Role.LEADER, CITY),
    Caller(Role.SUBSCRIBER, CITY),
    Caller(Role.TOWNSHIP_SECRETARY, TOWNSHIP),
    Caller(Role.VILLAGE_SECRETARY, VILLAGE),
]


pytestmark = [
    pytest.mark.integration,
    # Schemathesis' own strategies draw from `random`, which Hypothesis frowns on.
    pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisDeprecationWarning"),
]


async def test_reporting_api_holds_its_contract_under_fuzzing(
    infra: Endpoints, database: Database
) -> None:
    settings = ReportingSettings(
        kafka_bootstrap_servers=infra.kafka_bootstrap_servers,
        mongodb_uri=infra.mongodb_uri,
        mongodb_database=database.name,
        consumer_group=f"reporting-fuzz-{uuid.uuid4().hex[:8]}",
        auth_jwt_secret=DEV_JWT_SECRET,
        consumer_retry_backoff_seconds=0.01,
        consumer_poll_ms=100,
    )
    app = create_app(settings, FixedClock(datetime(2026, 7, 15, 2, tzinfo=UTC)))
    failures = await attack_app(app, CALLERS)
    assert not failures, report(failures)
