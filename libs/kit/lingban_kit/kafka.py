"""Kafka plumbing: topic creation and the idempotent producer.

Every client takes a `KafkaSecurity` (SASL/TLS); `None` means the process
environment's settings (lingban_kit.kafka_security), which is what tests and
tools rely on.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError, TopicAuthorizationFailedError
from aiokafka.record.default_records import DefaultRecordBatchBuilder

from lingban_contracts import KafkaRecord
from lingban_contracts.access import topic_configs as contract_topic_configs
from lingban_kit.kafka_security import KafkaSecurity, resolve

log = logging.getLogger(__name__)

# The producer refuses a record larger than this (aiokafka's default, and the
# broker's default `message.max.bytes` is about the same), so it is stated once
# here: the relay and the dead-letter path check against it before sending.
MAX_REQUEST_BYTES = 1024 * 1024


class TopicsMissingError(RuntimeError):
    """Topics are missing and this principal may not create them (the deployment must)."""


def new_admin(bootstrap: str, security: KafkaSecurity | None = None) -> AIOKafkaAdminClient:
    return AIOKafkaAdminClient(bootstrap_servers=bootstrap, **resolve(security).client_kwargs())


def new_consumer(
    *topics: str, bootstrap: str, security: KafkaSecurity | None = None, **options: Any
) -> AIOKafkaConsumer:
    """An aiokafka consumer with the security settings applied (`options` as aiokafka's)."""
    return AIOKafkaConsumer(
        *topics, bootstrap_servers=bootstrap, **resolve(security).client_kwargs(), **options
    )


async def stop_consumer(consumer: AIOKafkaConsumer) -> None:
    """Stop a consumer, also one stopped in the same turn of the loop that started it.

    aiokafka 0.14's consumer without a group starts a background task at the end of
    `start()` and, on `stop()`, cancels it and awaits it: cancelled before its first
    step, the task never reaches its own `except CancelledError`, and `stop()` raises
    `CancelledError` (seen when nothing was awaited in between: offsets of a topic whose
    partitions were not known yet). One turn of the loop lets it start first.
    """
    await asyncio.sleep(0)
    await consumer.stop()


async def ensure_topics(
    bootstrap: str,
    topics: Iterable[tuple[str, int]],
    replication_factor: int,
    security: KafkaSecurity | None = None,
    *,
    min_insync_replicas: int | None = None,
    topic_configs: Callable[[str], Mapping[str, str]] = contract_topic_configs,
) -> None:
    """Create the topics we own (name, partitions); existing ones are left as they are.

    A topic is created with `topic_configs(name)`: by default the contracts' (the event
    topics keep every event, `retention.ms=-1`), as devstack and kafka-acls.sh do.

    A service principal may see (DESCRIBE) its topics but not create them: in a
    deployment the topics exist before the services start, so nothing is
    created; if one is missing the error names it instead of a bare
    authorization failure.
    """
    admin = new_admin(bootstrap, security)
    await admin.start()
    replication = (
        {} if min_insync_replicas is None else {"min.insync.replicas": str(min_insync_replicas)}
    )
    try:
        existing = set(await admin.list_topics())
        wanted = [
            NewTopic(
                name=name,
                num_partitions=partitions,
                replication_factor=replication_factor,
                topic_configs={**topic_configs(name), **replication},
            )
            for name, partitions in topics
            if name not in existing
        ]
        if wanted:
            response = await admin.create_topics(wanted)
            refused = [
                topic
                for topic, code, *_ in response.topic_errors
                if code == TopicAuthorizationFailedError.errno
            ]
            if refused:
                raise TopicsMissingError(
                    f"topics {', '.join(refused)} do not exist and this Kafka principal may "
                    "not create them; the deployment creates them (see docs/security.md)"
                )
            # Any other per-topic error but "already exists" (another replica won the race).
            failed = {
                topic: code
                for topic, code, *_ in response.topic_errors
                if code not in (0, TopicAlreadyExistsError.errno)
            }
            if failed:
                log.warning("topics not created", extra={"errors": failed})
            log.info("created topics", extra={"topics": [t.name for t in wanted]})
    finally:
        await admin.close()


def new_producer(
    bootstrap: str, client_id: str, security: KafkaSecurity | None = None
) -> AIOKafkaProducer:
    # Idempotent producer with acks=all: broker-side dedupe of retried sends and
    # per-partition ordering, which the per-aggregate event order relies on.
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        client_id=client_id,
        **resolve(security).client_kwargs(),
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
