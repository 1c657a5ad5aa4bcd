"""Two test runs on one broker do not see each other's events (issue 11): each has its own
topic namespace, and producers, consumers and the decoder's topic check follow it.

Two fresh namespaces of this test's own (not the session's, which other fixtures'
services may be writing to), on the shared test broker, as its admin.
"""

from __future__ import annotations

import uuid

import pytest

from devstack.infra import Endpoints
from lingban_contracts import REGISTRY, DecodeError, access, decode_record, encode_record
from lingban_contracts.events.projects import ProjectDeclared
from lingban_contracts.registry import TOPIC_NAMESPACE_ENV, event_type
from lingban_kit.kafka import ensure_topics, new_producer
from lingban_kit.testing import Record, collect, end_offsets, header
from tests.events import project_declared
from tests.topic_configs import admin_security, delete

pytestmark = pytest.mark.integration

DECLARED = event_type(ProjectDeclared)


async def publish_declared(infra: Endpoints) -> str:
    """A project declaration, sent where this process's namespace puts it; its id."""
    envelope = project_declared()
    record = encode_record(envelope)
    producer = new_producer(infra.kafka_bootstrap_servers, "namespace-test")
    await producer.start()
    try:
        await producer.send_and_wait(
            record.topic, record.value, key=record.key, headers=record.headers
        )
    finally:
        await producer.stop()
    return envelope.id


async def consume_declared(infra: Endpoints, expected: str) -> list[Record]:
    """Everything on the topic a consumer of `project-declared` reads in this process's
    namespace (the runtime's way: through the registry), until `expected` arrived."""
    topic = REGISTRY.for_type(DECLARED).topic.name
    return await collect(
        infra.kafka_bootstrap_servers,
        topic,
        {},  # from the beginning: the topic is this namespace's own
        until=lambda found: any(header(r, "ce_id") == expected for r in found),
    )


async def test_an_event_published_in_one_namespace_is_not_consumed_in_another(
    infra: Endpoints, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = (f"n{uuid.uuid4().hex[:8]}" for _ in range(2))
    created: list[str] = []
    try:
        for namespace in (first, second):
            monkeypatch.setenv(TOPIC_NAMESPACE_ENV, namespace)
            topics = access.topics_to_create()
            created += [name for name, _ in topics]
            await ensure_topics(infra.kafka_bootstrap_servers, topics, 1, admin_security(infra))
        ids: dict[str, str] = {}
        for namespace in (first, second):
            monkeypatch.setenv(TOPIC_NAMESPACE_ENV, namespace)
            ids[namespace] = await publish_declared(infra)

        for namespace, other in ((first, second), (second, first)):
            monkeypatch.setenv(TOPIC_NAMESPACE_ENV, namespace)
            records = await consume_declared(infra, ids[namespace])
            # Its own event, and nothing else: the other namespace's never got here.
            assert [header(r, "ce_id") for r in records] == [ids[namespace]]
            [record] = records
            assert record.topic == f"lingban.{namespace}.projects.project.v1"
            topic = REGISTRY.for_type(DECLARED).topic.name
            ends = await end_offsets(infra.kafka_bootstrap_servers, topic)
            assert sum(ends.values()) == 1
            # A record read from the other namespace's topic would not even decode here.
            assert (
                decode_record(record.headers, record.value, topic=record.topic).id
                == (ids[namespace])
            )
            monkeypatch.setenv(TOPIC_NAMESPACE_ENV, other)
            with pytest.raises(DecodeError, match="belongs on topic"):
                decode_record(record.headers, record.value, topic=record.topic)
    finally:
        if created:
            await delete(infra, created)
