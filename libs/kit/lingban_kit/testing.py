"""Helpers for tests that talk to the real Kafka broker (used by every service's tests).

They authenticate with the process environment's Kafka settings
(lingban_kit.kafka_security): the test suite's infra fixture sets them to the
devstack admin principal.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass

from aiokafka import TopicPartition

from lingban_kit.kafka import new_admin, new_consumer, stop_consumer


@dataclass(frozen=True)
class Record:
    """A consumed record, typed (aiokafka ships no type hints)."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes]]


async def partitions_of(bootstrap: str, topic: str) -> list[TopicPartition]:
    admin = new_admin(bootstrap)
    await admin.start()
    try:
        [description] = await admin.describe_topics([topic])
        return [TopicPartition(topic, p["partition"]) for p in description["partitions"]]
    finally:
        await admin.close()


async def end_offsets(bootstrap: str, topic: str) -> dict[TopicPartition, int]:
    """Where each partition ends now: read from here to see only new records."""
    tps = await partitions_of(bootstrap, topic)
    consumer = new_consumer(bootstrap=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        return dict(await consumer.end_offsets(tps)) if tps else {}
    finally:
        await stop_consumer(consumer)


async def collect(
    bootstrap: str,
    topic: str,
    since: dict[TopicPartition, int],
    *,
    until: Callable[[list[Record]], bool],
    match: Callable[[Record], bool] = lambda r: True,
    wait_seconds: float = 30.0,
) -> list[Record]:
    """Read records after `since` that satisfy `match` until `until(found)` or timeout."""
    tps = await partitions_of(bootstrap, topic)
    consumer = new_consumer(bootstrap=bootstrap, enable_auto_commit=False)
    await consumer.start()
    found: list[Record] = []
    try:
        consumer.assign(tps)
        for tp in tps:
            consumer.seek(tp, since.get(tp, 0))
        deadline = time.monotonic() + wait_seconds
        while not until(found) and time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=300)
            for records in batch.values():
                for raw in records:
                    record = Record(
                        raw.topic, raw.partition, raw.offset, raw.key, raw.value, list(raw.headers)
                    )
                    if match(record):
                        found.append(record)
            await asyncio.sleep(0)
        return found
    finally:
        await stop_consumer(consumer)


def header(record: Record, name: str) -> str | None:
    for key, value in record.headers:
        if key == name:
            return bytes(value).decode()
    return None


async def group_at_end(bootstrap: str, group: str, topics: list[str]) -> str:
    """Commit `group`'s offsets at the current end of `topics` and return `group`.

    A fresh consumer group starts at the earliest offset and would first read
    every event earlier tests left on the shared topics; a test that only cares
    about the events it publishes itself starts its service's group here.
    """
    tps = [tp for topic in topics for tp in await partitions_of(bootstrap, topic)]
    consumer = new_consumer(bootstrap=bootstrap, group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign(tps)
        ends = await consumer.end_offsets(tps)
        await consumer.commit(dict(ends))
    finally:
        await stop_consumer(consumer)
    return group
