"""The batch consumer on the real broker: poison and failing records go to the dead-letter
topic, the rest of the batch is applied, offsets are committed after handling."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Sequence
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.errors import CommitFailedError

from devstack.infra import Endpoints
from lingban_contracts import Envelope, KafkaRecord, encode_record
from lingban_contracts.topics import PROJECTS, dead_letter_topic
from lingban_kit.batch_consumer import BatchEventConsumer, BatchHandler, run_batch_consumer
from lingban_kit.kafka import (
    MAX_REQUEST_BYTES,
    ensure_topics,
    new_consumer,
    new_producer,
    record_size,
    send_records,
    stop_consumer,
)
from lingban_kit.testing import collect, end_offsets, group_at_end, header
from tests.events import project_declared

pytestmark = pytest.mark.integration
DECLARED = "lingban.projects.project-declared.v1"


def declared_consumer(
    service: str, handler: BatchHandler, producer: AIOKafkaProducer, max_attempts: int
) -> BatchEventConsumer:
    return BatchEventConsumer(
        service=service,
        handler=handler,
        event_types={DECLARED},
        producer=producer,
        max_attempts=max_attempts,
        backoff_seconds=0.01,
    )


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
    consumer = declared_consumer(service, handler, producer, 2)
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
        await asyncio.sleep(0.5)  # the commit follows the handler
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await producer.stop()
    assert sorted(handled) == sorted(e.data["title"] for e in good)
    assert sorted(header(r, "dlt_reason") or "" for r in dead) == ["handler_failed", "poison"]
    # The dead-lettered records' offsets are committed: a restart would not read them again.
    partition = int(header(dead[0], "dlt_original_partition") or -1)
    last = max(int(header(r, "dlt_original_offset") or 0) for r in dead)
    check = new_consumer(bootstrap=bootstrap, group_id=group, enable_auto_commit=False)
    await check.start()
    try:
        committed = await check.committed(TopicPartition(PROJECTS.name, partition))
    finally:
        await check.stop()
    assert committed is not None
    assert committed > last


async def test_a_refused_commit_does_not_stop_the_batch_consumer(
    infra: Endpoints, monkeypatch: pytest.MonkeyPatch
) -> None:
    bootstrap = infra.kafka_bootstrap_servers
    service = f"b{uuid.uuid4().hex[:8]}"
    await ensure_topics(
        bootstrap, [(PROJECTS.name, PROJECTS.partitions), (dead_letter_topic(service), 1)], 1
    )
    key = uuid.uuid4().hex
    seen: list[str] = []
    second_seen = asyncio.Event()

    async def handler(events: Sequence[Envelope]) -> None:
        seen.extend(e.data["title"] for e in events if e.aggregate_id == key)
        if "second" in seen:
            second_seen.set()

    commit = AIOKafkaConsumer.commit
    refused = 0
    was_refused = asyncio.Event()

    async def refuse_first_commit(self: AIOKafkaConsumer, *args: Any, **kwargs: Any) -> None:
        nonlocal refused
        if refused == 0:
            refused += 1
            was_refused.set()
            # What aiokafka raises when the group rebalanced during the batch.
            raise CommitFailedError("rebalanced while the batch was handled")
        await commit(self, *args, **kwargs)

    producer = new_producer(bootstrap, "test")
    await producer.start()
    consumer = declared_consumer(service, handler, producer, 1)
    await group_at_end(bootstrap, f"{service}-group", [PROJECTS.name])
    monkeypatch.setattr(AIOKafkaConsumer, "commit", refuse_first_commit)
    task = asyncio.create_task(
        run_batch_consumer(
            consumer, bootstrap=bootstrap, topics=[PROJECTS.name], group_id=f"{service}-group"
        )
    )
    try:
        await send_records(producer, [encode_record(project_declared(key, title="first"))])
        await asyncio.wait_for(was_refused.wait(), 30)
        await send_records(
            producer, [encode_record(project_declared(key, title="second", version=2))]
        )
        await asyncio.wait_for(second_seen.wait(), 30)
        assert not task.done()
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await producer.stop()
    assert refused == 1
    assert seen[0] == "first"


async def test_a_near_limit_deeply_nested_record_is_dead_lettered_and_the_next_one_applied(
    infra: Endpoints,
) -> None:
    """LB-03: `[[[[...` just under the record limit raised RecursionError (not a decode
    error) and its dead-letter copy would not fit: the batch was read again forever."""
    bootstrap = infra.kafka_bootstrap_servers
    service = f"b{uuid.uuid4().hex[:8]}"
    group = f"{service}-group"
    await ensure_topics(
        bootstrap, [(PROJECTS.name, PROJECTS.partitions), (dead_letter_topic(service), 1)], 1
    )
    key = uuid.uuid4().hex
    after = project_declared(key, title="after the poison", version=2)
    applied = asyncio.Event()

    async def handler(events: Sequence[Envelope]) -> None:
        if any(e.id == after.id for e in events):
            applied.set()

    headers = encode_record(project_declared(key, title="poison")).headers
    room = MAX_REQUEST_BYTES - record_size(KafkaRecord(PROJECTS.name, key.encode(), b"", headers))
    poison = b"[" * (room - 200)  # fits the topic, not with the dlt_* headers added
    producer = new_producer(bootstrap, "test")
    await producer.start()
    await group_at_end(bootstrap, group, [PROJECTS.name])
    dlt_since = await end_offsets(bootstrap, dead_letter_topic(service))
    await producer.send_and_wait(PROJECTS.name, poison, key=key.encode(), headers=headers)
    await send_records(producer, [encode_record(after)])
    consumer = declared_consumer(service, handler, producer, 1)
    task = asyncio.create_task(
        run_batch_consumer(consumer, bootstrap=bootstrap, topics=[PROJECTS.name], group_id=group)
    )
    try:
        await asyncio.wait_for(applied.wait(), 30)
        [dead] = await collect(
            bootstrap,
            dead_letter_topic(service),
            dlt_since,
            match=lambda r: r.key == key.encode(),
            until=lambda f: len(f) >= 1,
        )
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await producer.stop()
    assert header(dead, "dlt_reason") == "poison"
    assert header(dead, "dlt_value_omitted") == str(len(poison))
    assert dead.value == b""


async def test_a_gathering_consumer_takes_a_trickle_of_records_in_one_batch(
    infra: Endpoints,
) -> None:
    """With `gather_ms`, the broker holds each fetch until the time is up (or a full
    batch is there): records sent one by one come in one or two batches, not one each."""
    bootstrap = infra.kafka_bootstrap_servers
    service = f"g{uuid.uuid4().hex[:8]}"
    await ensure_topics(
        bootstrap, [(PROJECTS.name, PROJECTS.partitions), (dead_letter_topic(service), 1)], 1
    )
    group = await group_at_end(bootstrap, f"{service}-group", [PROJECTS.name])
    key = uuid.uuid4().hex
    batches: list[list[str]] = []
    arrived = asyncio.Condition()

    async def handler(events: Sequence[Envelope]) -> None:
        mine = [str(e.data["title"]) for e in events if e.aggregate_id == key]
        if mine:
            async with arrived:
                batches.append(mine)
                arrived.notify_all()

    async def handled(count: int) -> None:
        async with arrived:
            await asyncio.wait_for(arrived.wait_for(lambda: sum(map(len, batches)) >= count), 30)

    producer = new_producer(bootstrap, "test")
    await producer.start()
    consumer = declared_consumer(service, handler, producer, 2)
    task = asyncio.create_task(
        run_batch_consumer(
            consumer, bootstrap=bootstrap, topics=[PROJECTS.name], group_id=group, gather_ms=2000
        )
    )
    try:
        # The consumer is in its group and fetching once the first one is handled.
        await send_records(producer, [encode_record(project_declared(key, title="first"))])
        await handled(1)
        batches.clear()
        for i in range(8):  # a trickle: one record every ~50 ms, each its own request
            await send_records(
                producer, [encode_record(project_declared(key, title=f"t{i}", version=i + 2))]
            )
            await asyncio.sleep(0.05)
        await handled(8)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await producer.stop()
    assert sorted(t for batch in batches for t in batch) == [f"t{i}" for i in range(8)]
    # Without gathering each fetch is answered as soon as a record is there: ~8 batches.
    assert len(batches) <= 2, batches


async def test_a_consumer_without_a_group_stops_in_the_turn_it_started(infra: Endpoints) -> None:
    """`stop_consumer` right after `start()`, nothing awaited in between (offsets of a
    topic whose partitions are not known yet): aiokafka's own `stop()` then raised
    `CancelledError` now and then, failing whatever asked."""
    for _ in range(5):
        consumer = new_consumer(bootstrap=infra.kafka_bootstrap_servers, enable_auto_commit=False)
        await consumer.start()
        await stop_consumer(consumer)
