"""Consumer groups on the fault suite's own broker: start them at the end of their topics,
and tell how far they are behind (0: read everything). As the broker's admin principal."""

from __future__ import annotations

from aiokafka import TopicPartition

from devstack.infra import Endpoints
from lingban_kit.kafka import new_admin, new_consumer
from lingban_kit.kafka_security import KafkaSecurity


def admin_security(infra: Endpoints) -> KafkaSecurity:
    return KafkaSecurity.from_env(infra.kafka_env("admin"))


async def partitions(infra: Endpoints, topics: list[str]) -> list[TopicPartition]:
    admin = new_admin(infra.kafka_bootstrap_servers, admin_security(infra))
    await admin.start()
    try:
        described = await admin.describe_topics(topics)
    finally:
        await admin.close()
    return [
        TopicPartition(str(topic["topic"]), int(partition["partition"]))
        for topic in described
        for partition in topic["partitions"]
    ]


async def start_at_end(infra: Endpoints, group: str, topics: list[str]) -> None:
    tps = await partitions(infra, topics)
    consumer = new_consumer(
        bootstrap=infra.kafka_bootstrap_servers,
        security=admin_security(infra),
        group_id=group,
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        consumer.assign(tps)
        await consumer.commit(dict(await consumer.end_offsets(tps)))
    finally:
        await consumer.stop()


async def group_lag(infra: Endpoints, group: str, topics: list[str]) -> int:
    tps = await partitions(infra, topics)
    consumer = new_consumer(
        bootstrap=infra.kafka_bootstrap_servers,
        security=admin_security(infra),
        group_id=group,
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        ends = await consumer.end_offsets(tps)
        behind = 0
        for tp in tps:
            behind += int(ends[tp]) - int(await consumer.committed(tp) or 0)
        return behind
    finally:
        await consumer.stop()
