"""Consumers on the real broker: handler table, retries, dead letters, commit after handling."""

from __future__ import annotations

import asyncio
import sys
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from pymongo import AsyncMongoClient

from devstack.infra import Endpoints
from lingban_contracts import Envelope, encode_record
from lingban_contracts.access import default_consumer_group
from lingban_contracts.asyncapi import ServiceContract
from lingban_contracts.topics import PROJECTS, dead_letter_topic
from lingban_kit.consumer import HandlerTable
from lingban_kit.kafka import ensure_topics, new_producer, send_records
from lingban_kit.mongo import Database
from lingban_kit.runtime import ServiceRuntime
from lingban_kit.settings import ServiceSettings
from lingban_kit.testing import collect, end_offsets, group_at_end, header
from tests.events import project_declared

pytestmark = pytest.mark.integration
DECLARED = "lingban.projects.project-declared.v1"


@pytest.fixture
async def producer(infra: Endpoints) -> AsyncIterator[AIOKafkaProducer]:
    await ensure_topics(infra.kafka_bootstrap_servers, [(PROJECTS.name, PROJECTS.partitions)], 1)
    p = new_producer(infra.kafka_bootstrap_servers, "test")
    await p.start()
    yield p
    await p.stop()


def runtime_for(
    infra: Endpoints, service: str, database: Database, table: HandlerTable, **settings_: Any
) -> ServiceRuntime:
    settings = ServiceSettings(
        service_name=service,
        kafka_bootstrap_servers=infra.kafka_bootstrap_servers,
        mongodb_uri=infra.mongodb_uri,
        mongodb_database=database.name,
        consumer_retry_backoff_seconds=0.01,
        **settings_,
    )
    contract = ServiceContract(
        service=service, title=service, description="test", receives=(DECLARED,)
    )
    return ServiceRuntime(settings, contract, handlers=lambda db: table)


async def test_poison_and_failing_events_go_to_dead_letters_and_the_consumer_carries_on(
    infra: Endpoints, database: Database, producer: AIOKafkaProducer
) -> None:
    service = f"t{uuid.uuid4().hex[:8]}"
    handled: list[str] = []
    attempts: dict[str, int] = {}

    key = uuid.uuid4().hex  # one key, so the events below arrive in this order

    async def on_declared(event: Envelope) -> None:
        if event.aggregate_id != key:
            return  # earlier tests' events on the shared topic
        attempts[event.id] = attempts.get(event.id, 0) + 1
        if event.data["title"] == "always fails":
            raise RuntimeError("database says no")
        handled.append(event.data["title"])

    good_1 = project_declared(key, title="first")
    failing = project_declared(key, title="always fails", version=2)
    good_2 = project_declared(key, title="second", version=3)
    poison = encode_record(project_declared(key, title="poison", version=4))

    # The service's group starts here, not at the topic's beginning: only this test's events.
    await group_at_end(
        infra.kafka_bootstrap_servers, default_consumer_group(service), [PROJECTS.name]
    )
    runtime = runtime_for(infra, service, database, {DECLARED: on_declared})
    await runtime.start()
    try:
        dlt_since = await end_offsets(infra.kafka_bootstrap_servers, dead_letter_topic(service))
        await send_records(producer, [encode_record(good_1), encode_record(failing)])
        await producer.send_and_wait(
            poison.topic, b"{broken", key=poison.key, headers=poison.headers
        )
        await send_records(producer, [encode_record(good_2)])
        for _ in range(200):
            if "second" in handled:
                break
            await asyncio.sleep(0.1)
    finally:
        await runtime.stop()

    assert handled == ["first", "second"]
    assert attempts[failing.id] == 3  # the configured attempts, then dead-lettered
    dead = await collect(
        infra.kafka_bootstrap_servers,
        dead_letter_topic(service),
        dlt_since,
        match=lambda r: r.key == key.encode(),
        until=lambda f: len(f) >= 2,
    )
    assert [header(r, "dlt_reason") for r in dead] == ["handler_failed", "poison"]
    assert header(dead[0], "ce_id") == failing.id
    assert "database says no" in (header(dead[0], "dlt_error") or "")
    assert "not JSON" in (header(dead[1], "dlt_error") or "")
    assert dead[1].value == b"{broken"  # the original bytes, for replay after a fix


CRASHING_CONSUMER = """
import asyncio, os, sys
from lingban_contracts.asyncapi import ServiceContract
from lingban_kit.runtime import ServiceRuntime
from lingban_kit.settings import ServiceSettings

service, bootstrap, mongo_uri, database, event_id = sys.argv[1:]

async def crash_on_target(event):
    if event.id == event_id:
        os._exit(17)  # the process dies mid-handling: no commit, no cleanup

async def main():
    settings = ServiceSettings(service_name=service, kafka_bootstrap_servers=bootstrap,
                               mongodb_uri=mongo_uri, mongodb_database=database)
    contract = ServiceContract(service=service, title=service, description="crash",
                               receives=("lingban.projects.project-declared.v1",))
    runtime = ServiceRuntime(settings, contract, handlers=lambda db: {
        "lingban.projects.project-declared.v1": crash_on_target})
    await runtime.start()
    await asyncio.sleep(120)

asyncio.run(main())
"""


async def test_a_crash_mid_handling_redelivers_the_event(
    infra: Endpoints, database: Database, producer: AIOKafkaProducer
) -> None:
    """Offsets are committed only after handling: a killed consumer loses nothing."""
    service = f"t{uuid.uuid4().hex[:8]}"
    before = project_declared(title="before")
    target = project_declared(title="target")
    await group_at_end(
        infra.kafka_bootstrap_servers, default_consumer_group(service), [PROJECTS.name]
    )
    await send_records(producer, [encode_record(before), encode_record(target)])

    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        CRASHING_CONSUMER,
        service,
        infra.kafka_bootstrap_servers,
        infra.mongodb_uri,
        database.name,
        target.id,
    )
    assert await asyncio.wait_for(process.wait(), timeout=90) == 17

    seen: list[str] = []

    async def record(e: Envelope) -> None:
        seen.append(e.id)

    survivor = runtime_for(infra, service, database, {DECLARED: record})
    await survivor.start()
    try:
        for _ in range(300):
            if target.id in seen:
                break
            await asyncio.sleep(0.1)
    finally:
        await survivor.stop()
    assert target.id in seen


async def test_a_database_outage_is_waited_out_and_nothing_is_dead_lettered(
    infra: Endpoints, database: Database, producer: AIOKafkaProducer
) -> None:
    """More failed attempts than `consumer_max_attempts`, all of them a real
    ServerSelectionTimeoutError: the event is applied once the database answers."""
    service = f"t{uuid.uuid4().hex[:8]}"
    event = project_declared(title="during an outage")
    # A server nobody listens on: pymongo fails exactly as during an outage.
    away: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        "mongodb://127.0.0.1:9/", serverSelectionTimeoutMS=100
    )
    failures: list[str] = []
    applied = asyncio.Event()

    async def on_declared(e: Envelope) -> None:
        if e.id != event.id:
            return
        if len(failures) < 6:  # twice the configured attempts
            try:
                await away["lingban"]["views"].insert_one({"_id": e.id})
            except Exception as exc:
                failures.append(type(exc).__name__)
                raise
        await database["views"].insert_one({"_id": e.id})
        applied.set()

    await group_at_end(
        infra.kafka_bootstrap_servers, default_consumer_group(service), [PROJECTS.name]
    )
    runtime = runtime_for(
        infra,
        service,
        database,
        {DECLARED: on_declared},
        consumer_max_attempts=3,
        consumer_outage_backoff_seconds=0.05,
        consumer_outage_backoff_max_seconds=0.2,
    )
    await runtime.start()
    try:
        await send_records(producer, [encode_record(event)])
        await asyncio.wait_for(applied.wait(), 60)
    finally:
        await runtime.stop()
        await away.close()
    assert failures == ["ServerSelectionTimeoutError"] * 6
    assert await database["views"].count_documents({"_id": event.id}) == 1
    dead = await end_offsets(infra.kafka_bootstrap_servers, dead_letter_topic(service))
    assert sum(dead.values()) == 0
