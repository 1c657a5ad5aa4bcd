"""The batch consumer on the real broker: poison and failing records go to the dead-letter
topic, the rest of the batch is applied, offsets are committed after handling."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Sequence

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition

from devstack.infra import Endpoints
from lingban_contracts import Envelope, encode_record
from lingban_contracts.topics import PROJECTS, dead_letter_topic
from lingban_kit.batch_consumer import BatchEventConsumer, run_batch_consumer
from lingban_kit.kafka import ensure_topics, new_producer, send_records
from lingban_kit.testing import collect, end_offsets, header
from tests.events import project_declared

pytestmark = pytest.mark.integration
DECLARED = "lingban.projects.project-declared.v1"


async def test_batches_dead_letter_only_the_bad_records(infra: Endpoints) -> None:
    bootstrap = infra.kafka_bootstrap_servers
    service = f"b{uuid.uuid4().hex[:8]}"
    group = f"{service}-group"
    await ensure_topics(
        bootstrap, [(PROJECTS.name, PROJECTS.partitions), (dead_letter_topic(service), 1)], 1
    )
    key = uuid.uuid4().hex
    handled: list[str] = []
    batches: list[int] = []
    all_handled = asyncio.Event()

    async def handler(events: Sequence[Envelope]) -> None:
        mine = [e for e in events if e.aggregate_id == key]
        if any(e.data["title"] == "always fails" for e in mine):
            raise RuntimeError("database says no")
        batches.append(len(mine))
        handled.extend(e.data["title"] for e in mine)
        if len(handled) >= 5:
            all_handled.set()

    good = [project_declared(key, title=f"good {i}", version=i + 1) for i in range(5)]
    failing = project_declared(key, title="always fails", version=6)
    poison = encode_record(project_declared(key, title="poison", version=7))
    poison = type(poison)(poison.topic, poison.key, b"not json", poison.headers)

    producer = new_producer(bootstrap, "test")
    await producer.start()
    dlt_since = await end_offsets(bootstrap, dead_letter_topic(service))
    await send_records(
        producer,
        [encode_record(e) for e in good[:3]]
        + [encode_record(failing), poison]
        + [encode_record(e) for e in good[3:]],
    )
    consumer = BatchEventConsumer(
        service=service,
        handler=handler,
        event_types={DECLARED},
        producer=producer,
        max_attempts=2,
        backoff_seconds=0.01,
    )
    task = asyncio.create_task(
        run_batch_consumer(consumer, bootstrap=bootstrap, topics=[PROJECTS.name], group_id=group)
    )
    try:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(all_handled.wait(), 30)
        dead = await collect(
            bootstrap,
            dead_letter_topic(service),
            dlt_since,
            until=lambda f: len(f) >= 2,
            match=lambda r: r.key == key.encode(),  # not earlier runs' poison
        )
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await producer.stop()
    assert sorted(handled) == sorted(e.data["title"] for e in good)
    assert sorted(header(r, "dlt_reason") or "" for r in dead) == ["handler_failed", "poison"]
    # Everything up to the end is committed: a restart would not read them again.
    check = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    await check.start()
    try:
        ends = await end_offsets(bootstrap, PROJECTS.name)
        committed = {
            tp: await check.committed(TopicPartition(tp.topic, tp.partition)) for tp in ends
        }
    finally:
        await check.stop()
    assert {tp: c for tp, c in committed.items() if ends[tp]} == {
        tp: end for tp, end in ends.items() if end
    }
