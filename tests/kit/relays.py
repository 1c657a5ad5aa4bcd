"""An outbox relay over the test database's `projects` collection, for the relay tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer

from devstack.infra import Endpoints
from lingban_contracts.topics import PROJECTS
from lingban_kit.kafka import ensure_topics, new_producer
from lingban_kit.leases import Lease
from lingban_kit.mongo import Database
from lingban_kit.outbox import OutboxRelay


@pytest.fixture
async def producer(infra: Endpoints) -> AsyncIterator[AIOKafkaProducer]:
    await ensure_topics(infra.kafka_bootstrap_servers, [(PROJECTS.name, PROJECTS.partitions)], 1)
    p = new_producer(infra.kafka_bootstrap_servers, "test")
    await p.start()
    yield p
    await p.stop()


def relay_for(
    database: Database, producer: AIOKafkaProducer, holder: str = "test", **kwargs: Any
) -> OutboxRelay:
    lease = Lease(database["leases"], "relay", timedelta(seconds=10), holder)
    return OutboxRelay(
        service="test",
        db=database,
        collections=["projects"],
        producer=producer,
        lease=lease,
        **{"poll_seconds": 0.1, **kwargs},
    )
