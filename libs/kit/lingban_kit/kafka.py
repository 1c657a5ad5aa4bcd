"""Kafka plumbing: topic creation and the idempotent producer."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError
from aiokafka.record.default_records import DefaultRecordBatchBuilder

from lingban_contracts import KafkaRecord

log = logging.getLogger(__name__)

# The producer refuses a record larger than this (aiokafka's default, and the
# broker's default `message.max.bytes` is about the same), so it is stated once
# here: the relay and the dead-letter path check against it before sending.
MAX_REQUEST_BYTES = 1024 * 1024


async def ensure_topics(
    bootstrap: str, topics: Iterable[tuple[str, int]], replication_factor: int
) -> None:
    """Create the topics we own (name, partitions); existing ones are left as they are."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        wanted = [
            NewTopic(name=name, num_partitions=partitions, replication_factor=replication_factor)
            for name, partitions in topics
            if name not in existing
        ]
        if wanted:
            with contextlib.suppress(TopicAlreadyExistsError):  # another replica won the race
                await admin.create_topics(wanted)
            log.info("created topics", extra={"topics": [t.name for t in wanted]})
    finally:
        await admin.close()


def new_producer(bootstrap: str, client_id: str) -> AIOKafkaProducer:
    # Idempotent producer with acks=all: broker-side dedupe of retried sends and
    # per-partition ordering, which the per-aggregate event order relies on.
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        client_id=client_id,
        enable_idempotence=True,
        acks="all",
        linger_ms=5,
        max_request_size=MAX_REQUEST_BYTES,
    )


def record_size(record: KafkaRecord) -> int:
    """The size the producer checks against `MAX_REQUEST_BYTES` (its own estimate)."""
    return int(
        DefaultRecordBatchBuilder.estimate_size_in_bytes(record.key, record.value, record.headers)
    )


def fits(record: KafkaRecord) -> bool:
    return record_size(record) <= MAX_REQUEST_BYTES


async def enqueue_records(
    producer: AIOKafkaProducer, records: list[KafkaRecord]
) -> list[asyncio.Future[Any]]:
    """Hand records to the producer in order; the futures resolve on acknowledgement."""
    return [
        await producer.send(r.topic, value=r.value, key=r.key, headers=r.headers) for r in records
    ]


async def send_records(producer: AIOKafkaProducer, records: list[KafkaRecord]) -> None:
    """Send in order and wait for all acknowledgements."""
    for future in await enqueue_records(producer, records):
        await future
