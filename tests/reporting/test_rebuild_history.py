"""A rebuild refuses, with one clear message, when the topics lost their oldest events (R8).

Replaying "from offset 0" a partition whose log now starts later would rebuild read
models without the oldest events (or, before this check, wait forever for offsets
that no longer exist). Shown on a private topic on the real broker: records deleted
the way retention deletes them.
"""

from __future__ import annotations

import uuid

import pytest
from aiokafka import TopicPartition
from aiokafka.admin import RecordsToDelete

from devstack.infra import Endpoints
from lingban_kit.kafka import ensure_topics, new_admin, new_producer
from lingban_reporting.rebuild import HistoryIncomplete, check_history_complete

pytestmark = pytest.mark.integration


async def test_refuses_when_a_partition_no_longer_starts_at_zero(infra: Endpoints) -> None:
    bootstrap = infra.kafka_bootstrap_servers
    topic = f"lingban.test.history-{uuid.uuid4().hex[:8]}"
    await ensure_topics(bootstrap, [(topic, 1)], 1)
    producer = new_producer(bootstrap, "test")
    await producer.start()
    try:
        for n in range(3):
            await producer.send_and_wait(topic, f"event {n}".encode())
    finally:
        await producer.stop()

    # Whole history kept: the rebuild's target is where the log ends.
    assert await check_history_complete(bootstrap, [topic]) == {f"{topic.replace('.', '|')}:0": 3}

    admin = new_admin(bootstrap)
    await admin.start()
    try:
        await admin.delete_records({TopicPartition(topic, 0): RecordsToDelete(before_offset=2)})
    finally:
        await admin.close()

    with pytest.raises(HistoryIncomplete, match=rf"{topic}\[0\] from offset 2"):
        await check_history_complete(bootstrap, [topic])
