"""Records on the fault suite's own broker, as its admin: where the topics end, what a
range of a topic holds, records sent by hand (copies, poison), and the dead letters a
run's consumers wrote."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from aiokafka import TopicPartition

from devstack.infra import Endpoints
from lingban_contracts import KafkaRecord
from lingban_contracts.topics import dead_letter_topic
from lingban_kit.kafka import new_consumer, new_producer, stop_consumer
from tests.faults.lag import admin_security, partitions

Offsets = dict[TopicPartition, int]
# The consumers that dead-letter what they cannot read (projects consumes nothing).
CONSUMERS = ("supervision", "notifications", "reporting")


@dataclass(frozen=True)
class Where:
    """A record's place: (topic, partition, offset)."""

    topic: str
    partition: int
    offset: int


@dataclass(frozen=True)
class Stored:
    where: Where
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes], ...]

    def copy(self) -> KafkaRecord:
        """The same bytes again, as a producer retrying or a replayed backup sends them."""
        return KafkaRecord(self.where.topic, self.key or b"", self.value or b"", list(self.headers))


async def end_offsets(infra: Endpoints, topics: Sequence[str]) -> Offsets:
    tps = await partitions(infra, list(topics))
    consumer = new_consumer(bootstrap=infra.kafka_bootstrap_servers, security=admin_security(infra))
    await consumer.start()
    try:
        return {tp: int(end) for tp, end in (await consumer.end_offsets(tps)).items()}
    finally:
        await stop_consumer(consumer)


async def committed(infra: Endpoints, group: str, tps: Sequence[TopicPartition]) -> Offsets:
    consumer = new_consumer(
        bootstrap=infra.kafka_bootstrap_servers,
        security=admin_security(infra),
        group_id=group,
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        return {tp: int(await consumer.committed(tp) or 0) for tp in tps}
    finally:
        await consumer.stop()


async def read_range(infra: Endpoints, start: Offsets, end: Offsets) -> list[Stored]:
    """Every record in [start, end) of each partition, without joining any group."""
    wanted = {tp: (start.get(tp, 0), stop) for tp, stop in end.items() if stop > start.get(tp, 0)}
    if not wanted:
        return []
    consumer = new_consumer(
        bootstrap=infra.kafka_bootstrap_servers,
        security=admin_security(infra),
        enable_auto_commit=False,
    )
    await consumer.start()
    found: list[Stored] = []
    try:
        consumer.assign(list(wanted))
        for tp, (first, _) in wanted.items():
            consumer.seek(tp, first)
        remaining = dict(wanted)
        while remaining:
            batches = await consumer.getmany(*remaining, timeout_ms=2000)
            if not batches:
                raise AssertionError(f"records announced but not readable: {remaining}")
            for tp, messages in batches.items():
                stop = wanted[tp][1]
                for m in messages:
                    if m.offset < stop:
                        found.append(
                            Stored(
                                Where(tp.topic, tp.partition, m.offset),
                                m.key,
                                m.value,
                                tuple((k, v or b"") for k, v in m.headers),
                            )
                        )
                if messages and messages[-1].offset + 1 >= stop:
                    remaining.pop(tp, None)
    finally:
        await stop_consumer(consumer)
    return found


async def send(infra: Endpoints, records: Sequence[KafkaRecord]) -> list[Where]:
    """Send in this order, one at a time (so the order is the one on the partition);
    where each landed."""
    producer = new_producer(infra.kafka_bootstrap_servers, "lingban-faults", admin_security(infra))
    await producer.start()
    landed: list[Where] = []
    try:
        for record in records:
            meta = await producer.send_and_wait(
                record.topic, value=record.value, key=record.key, headers=record.headers
            )
            landed.append(Where(record.topic, int(meta.partition), int(meta.offset)))
    finally:
        await producer.stop()
    return landed


async def dead_letter_marks(infra: Endpoints) -> Offsets:
    """Where the consumers' dead-letter topics end now."""
    return await end_offsets(infra, [dead_letter_topic(name) for name in CONSUMERS])


async def dead_letters_since(
    infra: Endpoints, marks: Mapping[TopicPartition, int]
) -> dict[str, Counter[Where]]:
    """Per consumer, how many times each original record was dead-lettered since `marks`."""
    now = await end_offsets(infra, [dead_letter_topic(name) for name in CONSUMERS])
    per_consumer: dict[str, Counter[Where]] = {name: Counter() for name in CONSUMERS}
    for copy in await read_range(infra, dict(marks), now):
        h = {k: v.decode() for k, v in copy.headers if k.startswith("dlt_")}
        per_consumer[h["dlt_consumer"]][
            Where(
                h["dlt_original_topic"],
                int(h["dlt_original_partition"]),
                int(h["dlt_original_offset"]),
            )
        ] += 1
    return per_consumer
