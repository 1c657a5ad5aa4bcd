"""Topics keep their history (R8): the event topics are created with infinite retention.

The read models are rebuilt, and a new consumer group starts, from offset 0; with the
broker's default of 7 days the oldest events would be gone (and `rebuild` would wait for
offsets that no longer exist).
"""

from __future__ import annotations

import uuid

import pytest

from devstack.infra import Endpoints
from lingban_contracts import access
from lingban_contracts.topics import NOTIFICATIONS, PROJECTS, SUPERVISION, dead_letter_topic
from lingban_kit.kafka import ensure_topics
from tests.topic_configs import BROKER_DEFAULT_RETENTION_MS, admin_security, delete, retention


def test_the_event_topics_and_only_they_keep_every_event() -> None:
    for topic in (PROJECTS, SUPERVISION, NOTIFICATIONS):
        assert access.topic_configs(topic.name) == {"retention.ms": "-1", "retention.bytes": "-1"}
    for service in access.SERVICES:
        assert access.topic_configs(dead_letter_topic(service)) == {}


@pytest.mark.integration
async def test_ensure_topics_creates_topics_with_their_configs(infra: Endpoints) -> None:
    run = uuid.uuid4().hex[:8]
    kept, other = f"lingban-test-kept-{run}", f"lingban-test-other-{run}"
    try:
        await ensure_topics(
            infra.kafka_bootstrap_servers,
            [(kept, 1), (other, 1)],
            1,
            admin_security(infra),
            min_insync_replicas=1,
            topic_configs=lambda name: access.SYSTEM_OF_RECORD_CONFIGS if name == kept else {},
        )
        found = await retention(infra, [kept, other])
        assert found[kept] == {"retention.ms": "-1", "retention.bytes": "-1"}
        assert found[other]["retention.ms"] == BROKER_DEFAULT_RETENTION_MS
    finally:
        await delete(infra, [kept, other])


@pytest.mark.integration
async def test_by_default_a_topic_gets_the_contracts_configs(infra: Endpoints) -> None:
    """Not an event topic of the contracts: created with the broker's defaults."""
    name = f"lingban-test-default-{uuid.uuid4().hex[:8]}"
    try:
        await ensure_topics(infra.kafka_bootstrap_servers, [(name, 1)], 1, admin_security(infra))
        assert (await retention(infra, [name]))[name]["retention.ms"] == (
            BROKER_DEFAULT_RETENTION_MS
        )
    finally:
        await delete(infra, [name])
