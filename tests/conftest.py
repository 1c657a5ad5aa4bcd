"""Session fixtures shared by every test folder: the real Kafka broker and database.

`ensure_infra("test")` provisions and starts them (Kafka 4.1 in KRaft mode from
Maven Central jars, and mongod or FerretDB) on the test ports, or uses the
servers named by KAFKA_BOOTSTRAP_SERVERS / MONGODB_URI when both are set.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator

import pytest

from devstack.infra import Endpoints, ensure_infra, stop_infra
from lingban_kit import mongo
from tests import topic_namespace

# The tests sign tokens with the public development secret, which the services
# accept only in development mode (lingban_kit.auth_policy); services the tests
# start as processes inherit it too.
os.environ["LINGBAN_ENV"] = "dev"
# Kafka topics of this run's own (LINGBAN_TOPIC_NAMESPACE), chosen before any test
# module computes a topic name; `infra` provisions them on the shared broker.
TOPIC_NAMESPACE = topic_namespace.choose()

# Debian's Chromium under Playwright for the browser tests (fixtures `browser`, `chromium_binary`).
pytest_plugins = ["tests.browsers"]


@pytest.fixture(scope="session")
def infra() -> Iterator[Endpoints]:
    endpoints = ensure_infra("test")
    # Tests and the helpers of lingban_kit.testing talk to Kafka as the devstack
    # admin (a super user); the services the tests start as processes get their
    # own principals from devstack.services.
    os.environ.update(endpoints.kafka_env("admin"))
    with topic_namespace.provisioned("test", endpoints):
        yield endpoints
    if endpoints.started and not os.environ.get("LINGBAN_KEEP_INFRA"):
        stop_infra("test")


def pytest_report_header() -> str:
    return f"Kafka topic namespace: {TOPIC_NAMESPACE} (LINGBAN_KEEP_TOPICS=1 keeps its topics)"


@pytest.fixture
async def database(infra: Endpoints) -> AsyncIterator[mongo.Database]:
    """A fresh database per test, dropped afterwards."""
    client = mongo.connect(infra.mongodb_uri)
    name = f"lingban_test_{uuid.uuid4().hex[:10]}"
    try:
        yield client[name]
    finally:
        await client.drop_database(name)
        await client.close()
