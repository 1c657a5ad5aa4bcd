"""devstack's topic plan on the real test broker: the event topics keep every event (R8).

infra/kafka/KafkaAccess.java creates a topic with the plan's configs and sets them on a
topic that already exists (one created before the plan had them). Both are checked with
the broker's own answer (DescribeConfigs), on topics of this test's own.
"""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import pytest

from devstack import commands, kafka, kafka_access
from devstack.infra import Endpoints
from lingban_contracts import access
from tests.topic_configs import BROKER_DEFAULT_RETENTION_MS, create_plain, delete, retention

pytestmark = pytest.mark.integration


def test_the_plan_gives_new_and_existing_event_topics_infinite_retention(
    infra: Endpoints, tmp_path: Path
) -> None:
    run = uuid.uuid4().hex[:8]
    older, fresh = f"lingban-test-retention-old-{run}", f"lingban-test-retention-new-{run}"
    asyncio.run(create_plain(infra, older))
    try:
        # A topic made without configs has the broker's 7 days.
        before = asyncio.run(retention(infra, [older]))[older]
        assert before["retention.ms"] == BROKER_DEFAULT_RETENTION_MS

        plan = "".join(
            kafka_access.topic_line(name, 1, 1, access.SYSTEM_OF_RECORD_CONFIGS) + "\n"
            for name in (older, fresh)
        )
        credentials = kafka_access.load("test")
        assert credentials is not None, "the test broker has no devstack credentials"
        kafka._apply(
            commands.require_tool("java", "to run KafkaAccess.java"),
            kafka.ensure_jars(),
            tmp_path,
            int(infra.kafka_bootstrap_servers.rsplit(":", 1)[1]),
            plan,
            credentials,
            "applying a topic plan",
        )

        assert asyncio.run(retention(infra, [older, fresh])) == {
            older: {"retention.ms": "-1", "retention.bytes": "-1"},
            fresh: {"retention.ms": "-1", "retention.bytes": "-1"},
        }
    finally:
        asyncio.run(delete(infra, [older, fresh]))
