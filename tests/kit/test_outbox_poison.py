"""The relay under poison and outages, on the real broker and database.

An entry that can never be published is parked in `outbox_dead_letters` and
cleared, the documents around it go out once; a replica without the lease
waits for its poll instead of spinning; an outage backs off.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from datetime import timedelta
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaConnectionError

from devstack.infra import Endpoints
from lingban_contracts.topics import PROJECTS
from lingban_kit.errors import PayloadTooLarge
from lingban_kit.kafka import MAX_REQUEST_BYTES
from lingban_kit.leases import Lease
from lingban_kit.mongo import Database
from lingban_kit.outbox import (
    DEAD_LETTERS,
    EVENT_BUDGET_BYTES,
    outbox_fields,
    with_events,
)
from lingban_kit.testing import collect, end_offsets, header
from tests.events import project_declared
from tests.kit.relays import relay_for

pytestmark = pytest.mark.integration


def oversized_entry(project_id: str, version: int) -> dict[str, Any]:
    """An outbox entry whose record is over the producer's limit (written before any budget)."""
    entry = project_declared(project_id, title="huge", version=version).model_dump(mode="json")
    entry["data"]["problem"] = "长" * (MAX_REQUEST_BYTES // 3 + 1000)  # 3 bytes each in UTF-8
    return entry


INVALID_ENTRY = {"id": "broken-entry", "type": "lingban.projects.no-such-event.v1"}


async def test_a_poisoned_document_is_parked_and_the_others_go_out_once(
    infra: Endpoints, database: Database, producer: AIOKafkaProducer
) -> None:
    before = project_declared(title="before")
    ok_first = project_declared(title="ok first")
    pid = ok_first.aggregate_id
    after = project_declared(title="after")
    huge = oversized_entry(pid, 2)
    projects = database["projects"]
    await projects.insert_one({"_id": before.aggregate_id, **outbox_fields([before])})
    await projects.insert_one(
        {
            "_id": pid,
            "outbox": [ok_first.model_dump(mode="json"), huge, INVALID_ENTRY],
            "outbox_pending": True,
        }
    )
    await projects.insert_one({"_id": after.aggregate_id, **outbox_fields([after])})
    since = await end_offsets(infra.kafka_bootstrap_servers, PROJECTS.name)
    relay = relay_for(database, producer)

    assert await relay.drain_once() == 3
    assert await relay.drain_once() == 0  # nothing left, nothing sent again

    keys = {e.aggregate_id.encode() for e in (before, ok_first, after)}
    records = await collect(
        infra.kafka_bootstrap_servers,
        PROJECTS.name,
        since,
        match=lambda r: r.key in keys,
        until=lambda f: len(f) >= 3,
    )
    assert sorted(header(r, "ce_id") or "" for r in records) == sorted(
        e.id for e in (before, ok_first, after)
    )
    async for doc in projects.find({}):
        assert (doc["outbox"], doc["outbox_pending"]) == ([], False)
    parked = await database[DEAD_LETTERS].find({}).to_list()
    assert len(parked) == 1
    assert parked[0]["document_id"] == pid
    assert parked[0]["collection"] == "projects"
    assert [e["id"] for e in parked[0]["entries"]] == [huge["id"], "broken-entry"]
    assert "exceeds the limit" in parked[0]["errors"][0]
    assert "invalid outbox entry" in parked[0]["errors"][1]


async def test_the_running_relay_does_not_repeat_events_ahead_of_a_poisoned_one(
    infra: Endpoints,
    database: Database,
    producer: AIOKafkaProducer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ok_first = project_declared(title="ok first")
    pid = ok_first.aggregate_id
    behind = project_declared(title="behind")
    projects = database["projects"]
    await projects.insert_one(
        {
            "_id": pid,
            "outbox": [ok_first.model_dump(mode="json"), oversized_entry(pid, 2)],
            "outbox_pending": True,
        }
    )
    await projects.insert_one({"_id": behind.aggregate_id, **outbox_fields([behind])})
    since = await end_offsets(infra.kafka_bootstrap_servers, PROJECTS.name)
    sends = 0
    send = producer.send

    async def counting_send(*args: Any, **kwargs: Any) -> Any:
        nonlocal sends
        sends += 1
        return await send(*args, **kwargs)

    monkeypatch.setattr(producer, "send", counting_send)
    relay = relay_for(database, producer)
    cleared: set[Any] = set()
    both_cleared = asyncio.Event()
    clear = relay._clear

    async def noting_clear(collection: Any, doc_id: Any, entries: list[Any]) -> None:
        await clear(collection, doc_id, entries)
        cleared.add(doc_id)
        if cleared == {pid, behind.aggregate_id}:
            both_cleared.set()

    relay._clear = noting_clear  # type: ignore[method-assign]
    relay.start()
    try:
        await asyncio.wait_for(both_cleared.wait(), 20)
        await collect(
            infra.kafka_bootstrap_servers,
            PROJECTS.name,
            since,
            match=lambda r: r.key == behind.aggregate_id.encode(),
            until=lambda f: len(f) >= 1,
        )
    finally:
        await relay.stop()
    assert await relay.drain_once() == 0  # nothing left pending
    assert sends == 2  # ok_first and behind, once each
    assert await database[DEAD_LETTERS].count_documents({"document_id": pid}) == 1


async def test_a_replica_without_the_lease_waits_for_its_poll_instead_of_spinning(
    database: Database, producer: AIOKafkaProducer
) -> None:
    other = Lease(database["leases"], "relay", timedelta(seconds=60), "other-replica")
    assert await other.acquire()
    poll = 0.2
    relay = relay_for(database, producer, holder="this-replica", poll_seconds=poll)
    calls: list[float] = []
    enough = asyncio.Event()
    acquire = relay.lease.acquire

    async def counting_acquire(*args: Any, **kwargs: Any) -> bool:
        calls.append(time.monotonic())
        if len(calls) >= 4:
            enough.set()
        return await acquire(*args, **kwargs)

    relay.lease.acquire = counting_acquire  # type: ignore[method-assign]
    relay.start()
    try:
        relay.wake("projects", "written-here")  # a local write the lease holder will publish
        await asyncio.wait_for(enough.wait(), 10)
    finally:
        await relay.stop()
    # calls[0]: the start; calls[1]: at once after the write; then one per poll.
    gaps = [b - a for a, b in itertools.pairwise(calls[1:])]
    assert min(gaps) >= poll * 0.8, gaps
    assert not relay._hints


async def test_an_outage_makes_the_relay_back_off(
    database: Database, producer: AIOKafkaProducer, monkeypatch: pytest.MonkeyPatch
) -> None:
    event = project_declared(title="waits")
    await database["projects"].insert_one({"_id": event.aggregate_id, **outbox_fields([event])})
    attempts: list[float] = []
    enough = asyncio.Event()

    async def broker_away(*args: Any, **kwargs: Any) -> Any:
        attempts.append(time.monotonic())
        if len(attempts) >= 5:
            enough.set()
        raise KafkaConnectionError("broker unreachable")

    monkeypatch.setattr(producer, "send", broker_away)
    relay = relay_for(
        database,
        producer,
        poll_seconds=30,
        retry_backoff_seconds=0.05,
        retry_backoff_max_seconds=0.2,
    )
    relay.start()
    try:
        for _ in range(50):  # local writes keep waking it meanwhile
            relay.wake("projects", event.aggregate_id)
            if enough.is_set():
                break
            await asyncio.sleep(0.02)
        await asyncio.wait_for(enough.wait(), 10)
    finally:
        await relay.stop()
    gaps = [b - a for a, b in itertools.pairwise(attempts)]
    assert gaps[0] >= 0.04, gaps
    assert gaps[-1] >= 0.18, gaps
    doc = await database["projects"].find_one({"_id": event.aggregate_id})
    assert doc is not None
    assert len(doc["outbox"]) == 1  # still pending, not parked
    assert await database[DEAD_LETTERS].count_documents({}) == 0


def test_a_write_whose_events_exceed_the_budget_is_refused_with_413() -> None:
    small = project_declared(title="small")
    assert with_events({"$set": {"a": 1}}, [small])["$set"]["outbox_pending"] is True
    big = project_declared(title="big")
    big.data["problem"] = "x" * EVENT_BUDGET_BYTES
    with pytest.raises(PayloadTooLarge) as refused:
        with_events({"$set": {"a": 1}}, [big])
    assert refused.value.status_code == 413
    assert refused.value.extra["limit_bytes"] == EVENT_BUDGET_BYTES
    with pytest.raises(PayloadTooLarge):
        outbox_fields([small, big])
