"""The outbox relay on the real broker and database: order, keys, and crash safety."""

from __future__ import annotations

from typing import Any

import pytest
from aiokafka import AIOKafkaProducer

from devstack.infra import Endpoints
from lingban_contracts import decode_record
from lingban_contracts.topics import PROJECTS
from lingban_kit.mongo import Database, apply_if_newer
from lingban_kit.outbox import (
    KNOWN_OUTBOXES,
    outbox_fields,
    push_events,
    update_with_events,
    with_events,
)
from lingban_kit.testing import collect, end_offsets, header
from tests.events import project_declared
from tests.kit.relays import relay_for

pytestmark = pytest.mark.integration


async def published_ids(infra: Endpoints, since: dict[Any, int], key: str, count: int) -> list[str]:
    """The event ids published under `key` since `since`, once `count` are there."""
    records = await collect(
        infra.kafka_bootstrap_servers,
        PROJECTS.name,
        since,
        match=lambda r: r.key == key.encode(),
        until=lambda f: len(f) >= count,
    )
    return [header(r, "ce_id") or "" for r in records]


async def test_relay_publishes_in_order_with_aggregate_key_then_clears(
    infra: Endpoints, database: Database, producer: AIOKafkaProducer
) -> None:
    first = project_declared(title="v1")
    second = project_declared(first.aggregate_id, title="v2", version=2)
    await database["projects"].insert_one(
        {"_id": first.aggregate_id, **outbox_fields([first, second])}
    )
    since = await end_offsets(infra.kafka_bootstrap_servers, PROJECTS.name)

    assert await relay_for(database, producer).drain_once() == 2

    records = await collect(
        infra.kafka_bootstrap_servers,
        PROJECTS.name,
        since,
        match=lambda r: r.key == first.aggregate_id.encode(),
        until=lambda f: len(f) >= 2,
    )
    assert [header(r, "ce_id") for r in records] == [first.id, second.id]
    assert {r.partition for r in records} == {records[0].partition}
    assert decode_record(records[1].headers, records[1].value) == second
    doc = await database["projects"].find_one({"_id": first.aggregate_id})
    assert doc is not None
    assert doc["outbox"] == []


async def test_crash_after_publish_republishes_and_consumers_apply_once(
    infra: Endpoints,
    database: Database,
    producer: AIOKafkaProducer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    event = project_declared(title="crash")
    await database["projects"].insert_one({"_id": event.aggregate_id, **outbox_fields([event])})
    since = await end_offsets(infra.kafka_bootstrap_servers, PROJECTS.name)
    relay = relay_for(database, producer)

    original_update = relay.collections[0].update_one

    async def crash(*args: Any, **kwargs: Any) -> Any:
        raise ConnectionError("simulated crash before the outbox was cleared")

    monkeypatch.setattr(relay.collections[0], "update_one", crash)
    with pytest.raises(ConnectionError):
        await relay.drain_once()
    monkeypatch.setattr(relay.collections[0], "update_one", original_update)
    assert await relay.drain_once() == 1  # nothing lost: published again

    records = await collect(
        infra.kafka_bootstrap_servers,
        PROJECTS.name,
        since,
        match=lambda r: r.key == event.aggregate_id.encode(),
        until=lambda f: len(f) >= 2,
    )
    assert len(records) == 2  # at-least-once: a duplicate on the wire
    views = database["views"]
    applied = [
        await apply_if_newer(views, e.aggregate_id, e.aggregate_version, {"$inc": {"applied": 1}})
        for e in (decode_record(r.headers, r.value) for r in records)
    ]
    assert applied == [True, False]  # ...but applied once
    view = await views.find_one({"_id": event.aggregate_id})
    assert view is not None
    assert view["applied"] == 1


async def test_the_flag_finds_new_events_and_the_full_scan_finds_unflagged_ones(
    infra: Endpoints, database: Database, producer: AIOKafkaProducer
) -> None:
    relay = relay_for(database, producer)
    flagged = project_declared(title="flagged")
    await database["projects"].insert_one({"_id": flagged.aggregate_id, "state": 0})
    await database["projects"].update_one(
        {"_id": flagged.aggregate_id}, with_events({"$set": {"state": 1}}, [flagged])
    )
    # A writer that pushed events but forgot the flag.
    unflagged = project_declared(title="unflagged")
    await database["projects"].insert_one(
        {"_id": unflagged.aggregate_id, "outbox": push_events([unflagged])["outbox"]["$each"]}
    )
    assert await relay.drain_once() == 1
    assert await relay.drain_once(full_scan=True) == 1
    assert await relay.drain_once(full_scan=True) == 0
    doc = await database["projects"].find_one({"_id": flagged.aggregate_id})
    assert doc is not None
    assert doc["state"] == 1


async def test_a_starting_relay_publishes_documents_written_before_the_flag_existed(
    infra: Endpoints, database: Database, producer: AIOKafkaProducer
) -> None:
    # Written by an older version: events in the outbox, no pending flag.
    legacy = project_declared(title="legacy")
    await database["projects"].insert_one(
        {"_id": legacy.aggregate_id, "outbox": push_events([legacy])["outbox"]["$each"]}
    )
    since = await end_offsets(infra.kafka_bootstrap_servers, PROJECTS.name)
    relay = relay_for(database, producer)
    relay.start()
    try:
        records = await collect(
            infra.kafka_bootstrap_servers,
            PROJECTS.name,
            since,
            match=lambda r: r.key == legacy.aggregate_id.encode(),
            until=lambda found: len(found) >= 1,
        )
    finally:
        await relay.stop()
    assert [header(r, "ce_id") for r in records] == [legacy.id]


async def test_events_pushed_while_publishing_stay_pending(
    infra: Endpoints,
    database: Database,
    producer: AIOKafkaProducer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first = project_declared(title="first")
    later = project_declared(first.aggregate_id, title="later", version=2)
    await database["projects"].insert_one({"_id": first.aggregate_id, **outbox_fields([first])})
    relay = relay_for(database, producer)
    send = relay.producer.send

    async def send_then_another_write(*args: Any, **kwargs: Any) -> Any:
        # A command writes its event while the relay is sending the first one.
        result = await send(*args, **kwargs)
        await database["projects"].update_one(
            {"_id": first.aggregate_id}, with_events({"$set": {"state": 2}}, [later])
        )
        monkeypatch.setattr(relay.producer, "send", send)
        return result

    monkeypatch.setattr(relay.producer, "send", send_then_another_write)
    assert await relay.drain_once() == 1
    doc = await database["projects"].find_one({"_id": first.aggregate_id})
    assert doc is not None
    assert [e["id"] for e in doc["outbox"]] == [later.id]
    assert doc["outbox_pending"] is True
    assert await relay.drain_once() == 1
    doc = await database["projects"].find_one({"_id": first.aggregate_id})
    assert doc is not None
    assert (doc["outbox"], doc["outbox_pending"]) == ([], False)


async def test_a_write_that_found_the_outbox_empty_is_published_without_a_read(
    infra: Endpoints,
    database: Database,
    producer: AIOKafkaProducer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first = project_declared(title="v1")
    second = project_declared(first.aggregate_id, title="v2", version=2)
    third = project_declared(first.aggregate_id, title="v3", version=3)
    projects = database["projects"]
    await projects.insert_one({"_id": first.aggregate_id, "version": 0})
    since = await end_offsets(infra.kafka_bootstrap_servers, PROJECTS.name)
    relay = relay_for(database, producer)
    read = projects.find_one

    async def no_read(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the relay read a document whose outbox it knew")

    # 1. A command's write over an empty outbox: published from what the write left.
    assert await update_with_events(
        projects, {"_id": first.aggregate_id, "version": 0}, {"$set": {"version": 1}}, [first]
    )
    relay.wake("projects", first.aggregate_id)
    monkeypatch.setattr(relay.collections[0], "find_one", no_read)
    assert await relay.drain_hinted() == 1
    monkeypatch.setattr(relay.collections[0], "find_one", read)

    # 2. Known, but another process appended since: ours go out first, theirs stay
    # pending (the clear matches only exactly ours) and go out after.
    assert await update_with_events(
        projects, {"_id": first.aggregate_id, "version": 1}, {"$set": {"version": 2}}, [second]
    )
    await projects.update_one(
        {"_id": first.aggregate_id}, with_events({"$set": {"version": 3}}, [third])
    )
    relay.wake("projects", first.aggregate_id)
    assert await relay.drain_hinted() == 1
    doc = await projects.find_one({"_id": first.aggregate_id})
    assert doc is not None
    assert ([e["id"] for e in doc["outbox"]], doc["outbox_pending"]) == ([third.id], True)
    assert await relay.drain_once() == 1

    assert await published_ids(infra, since, first.aggregate_id, 3) == [
        first.id,
        second.id,
        third.id,
    ]
    doc = await projects.find_one({"_id": first.aggregate_id})
    assert doc is not None
    assert (doc["outbox"], doc["outbox_pending"]) == ([], False)


async def test_a_write_over_pending_events_is_not_known_and_the_relay_reads_it(
    infra: Endpoints, database: Database, producer: AIOKafkaProducer
) -> None:
    first = project_declared(title="v1")
    second = project_declared(first.aggregate_id, title="v2", version=2)
    projects = database["projects"]
    await projects.insert_one({"_id": first.aggregate_id, "version": 0})
    since = await end_offsets(infra.kafka_bootstrap_servers, PROJECTS.name)
    assert await update_with_events(
        projects, {"_id": first.aggregate_id, "version": 0}, {"$set": {"version": 1}}, [first]
    )
    # Before the relay came round, the next command: both events wait, ours is not
    # all there is, and the relay must read the document to publish them in order.
    assert await update_with_events(
        projects, {"_id": first.aggregate_id, "version": 1}, {"$set": {"version": 2}}, [second]
    )
    assert KNOWN_OUTBOXES.take(projects, first.aggregate_id) is None
    relay = relay_for(database, producer)
    relay.wake("projects", first.aggregate_id)
    assert await relay.drain_hinted() == 2
    assert await published_ids(infra, since, first.aggregate_id, 2) == [first.id, second.id]
