"""Topic configs as the test broker reports them (DescribeConfigs), as the devstack admin."""

from __future__ import annotations

import asyncio

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from devstack import kafka_access
from devstack.infra import Endpoints
from lingban_kit.kafka import new_admin
from lingban_kit.kafka_security import KafkaSecurity

RETENTION_KEYS = ("retention.ms", "retention.bytes")
BROKER_DEFAULT_RETENTION_MS = "604800000"  # 7 days


def admin_security(infra: Endpoints) -> KafkaSecurity:
    return KafkaSecurity.from_env(infra.kafka_env(kafka_access.ADMIN))


async def retention(infra: Endpoints, names: list[str]) -> dict[str, dict[str, str]]:
    """{topic: {retention.ms, retention.bytes}} as the broker applies them.

    A topic created a moment ago may not be known yet to the broker that answers
    (an error code, no entries): asked again until every topic has its configs.
    """
    admin = new_admin(infra.kafka_bootstrap_servers, admin_security(infra))
    await admin.start()
    try:
        for _ in range(100):
            found = await _described(admin, names)
            if set(found) == set(names):
                return found
            await asyncio.sleep(0.1)
        raise AssertionError(f"the broker never described {sorted(set(names) - set(found))}")
    finally:
        await admin.close()


async def _described(admin: AIOKafkaAdminClient, names: list[str]) -> dict[str, dict[str, str]]:
    responses = await admin.describe_configs(
        [ConfigResource(ConfigResourceType.TOPIC, name) for name in names]
    )
    found: dict[str, dict[str, str]] = {}
    for response in responses:
        for code, _message, _type, name, entries in response.resources:
            values = {str(entry[0]): str(entry[1]) for entry in entries}
            if code == 0 and all(key in values for key in RETENTION_KEYS):
                found[str(name)] = {key: values[key] for key in RETENTION_KEYS}
    return found


async def create_plain(infra: Endpoints, name: str) -> None:
    """A one-partition topic with no configs of its own (as an older deployment made it)."""
    admin = new_admin(infra.kafka_bootstrap_servers, admin_security(infra))
    await admin.start()
    try:
        await admin.create_topics([NewTopic(name, 1, 1)])
    finally:
        await admin.close()


async def delete(infra: Endpoints, names: list[str]) -> None:
    admin = new_admin(infra.kafka_bootstrap_servers, admin_security(infra))
    await admin.start()
    try:
        await admin.delete_topics(names)
    finally:
        await admin.close()
