"""Duplicated, reordered and poison records on the event topics while secretaries work
(issue 15).

While the stream runs, copies of real events every consumer has already read are sent
again — newest first within each partition, then again shuffled, so older versions
arrive after newer ones and between live events — together with poison: undecodable
bytes, a payload that breaks its schema, a type nobody knows. Afterwards:
- the copies changed nothing: every read model and channel matches the owning service
  exactly once, and not even a repeat the SMS gateway would drop went out;
- each poison record was dead-lettered exactly once by each consumer that reads its
  topic, and nothing else was dead-lettered;
- every consumer group has read to the end (the consumers carried on past the poison).
"""

from __future__ import annotations

import asyncio
import json
import random
import time
import uuid
from collections import Counter

import httpx
import pytest

from lingban_contracts import DecodeError, KafkaRecord, decode_record
from lingban_contracts.topics import NOTIFICATIONS, PROJECTS
from tests.faults.checks import assert_nothing_lost_or_doubled, eventually, record_recovery
from tests.faults.conftest import Platform
from tests.faults.records import (
    CONSUMERS,
    Offsets,
    Stored,
    Where,
    committed,
    dead_letter_marks,
    dead_letters_since,
    end_offsets,
    read_range,
    send,
)
from tests.faults.workload import stream_until

pytestmark = pytest.mark.integration

TOPICS = (PROJECTS.name, NOTIFICATIONS.name)
# Enough already-read events to copy: a few project years and their deliveries.
ENOUGH_PROJECT_EVENTS = 12
WAIT_FOR_EVENTS_SECONDS = 90.0
BETWEEN_BURSTS_SECONDS = 2.0


async def already_read(p: Platform, since: Offsets) -> list[Stored]:
    """Events of this stream that every consumer group reading their topic has committed."""
    readers = {
        PROJECTS.name: ("supervision", "notifications", "reporting"),
        NOTIFICATIONS.name: ("reporting",),
    }
    upto = await end_offsets(p.infra, TOPICS)
    for name in CONSUMERS:
        tps = [tp for tp in upto if name in readers[tp.topic]]
        for tp, offset in (await committed(p.infra, p.groups[name], tps)).items():
            upto[tp] = min(upto[tp], offset)
    return await read_range(p.infra, since, upto)


def header(record: KafkaRecord | Stored, name: str) -> str:
    return next(v.decode() for k, v in record.headers if k == name)


def with_headers(original: Stored, **changes: str) -> list[tuple[str, bytes]]:
    """The original's headers with some replaced, and always a new event id."""
    changed = {"ce_id": str(uuid.uuid4()), **changes}
    return [(k, changed[k].encode() if k in changed else v) for k, v in original.headers]


def poison(model: Stored) -> list[KafkaRecord]:
    """Three records no consumer can ever handle, made from a real project event."""
    topic, key = model.where.topic, model.key or b""
    records = [
        # Not JSON at all (nor UTF-8).
        KafkaRecord(topic, key, b"\xff\xfe\x00{not json", with_headers(model)),
        # JSON, but not the payload its type promises.
        KafkaRecord(
            topic,
            key,
            json.dumps({"unit_code": 42, "version": "one"}).encode(),
            with_headers(model),
        ),
        # A type no one has ever registered.
        KafkaRecord(
            topic,
            key,
            model.value or b"",
            with_headers(model, ce_type=f"{header(model, 'ce_type')}.teleported"),
        ),
    ]
    for record in records:  # poison indeed, or the test would prove nothing
        with pytest.raises(DecodeError):
            decode_record(record.headers, record.value, topic=topic)
    return records


async def test_duplicated_reordered_and_poison_records(
    platform: Platform, contacts_stored: None
) -> None:
    p = platform
    since = await end_offsets(p.infra, TOPICS)
    dead_letters_before = await dead_letter_marks(p.infra)
    injected: list[Where] = []
    copies_sent: list[int] = []

    async def inject() -> None:
        deadline = time.monotonic() + WAIT_FOR_EVENTS_SECONDS
        while True:
            originals = await already_read(p, since)
            kinds = Counter(r.where.topic for r in originals)
            if kinds[PROJECTS.name] >= ENOUGH_PROJECT_EVENTS and kinds[NOTIFICATIONS.name]:
                break
            assert time.monotonic() < deadline, f"too few events read to copy: {kinds}"
            await asyncio.sleep(1.0)
        copies = [r.copy() for r in originals]
        bad = poison(next(r for r in originals if r.where.topic == PROJECTS.name))
        # Newest first in each partition: each aggregate's later versions before its
        # earlier ones; poison in between.
        newest_first = [
            r.copy()
            for r in sorted(
                originals, key=lambda r: (r.where.topic, r.where.partition, -r.where.offset)
            )
        ]
        half = len(newest_first) // 2
        first_burst = [bad[0], *newest_first[:half], bad[1], *newest_first[half:]]
        landed = await send(p.infra, first_burst)
        injected.extend([landed[0], landed[half + 1]])
        await asyncio.sleep(BETWEEN_BURSTS_SECONDS)  # live events in between
        shuffled = random.Random().sample(copies, len(copies))
        landed = await send(p.infra, [*shuffled, bad[2]])
        injected.append(landed[-1])
        copies_sent.append(len(first_burst) - 2 + len(shuffled))
        await asyncio.sleep(BETWEEN_BURSTS_SECONDS)  # the consumers carry on past them

    async with httpx.AsyncClient(timeout=60) as http:
        results = await stream_until(http, p.urls["projects"], asyncio.create_task(inject()))
        assert copies_sent, "nothing was injected"
        assert copies_sent[0] >= 2 * ENOUGH_PROJECT_EVENTS
        record_recovery(
            "duplicated, reordered and poison records",
            await assert_nothing_lost_or_doubled(http, p, results, no_resend=True),
        )

        expected = Counter(injected)

        async def each_poison_dead_lettered_once() -> bool:
            found = await dead_letters_since(p.infra, dead_letters_before)
            return all(found[name] == expected for name in CONSUMERS)

        assert await eventually(each_poison_dead_lettered_once, 30), (
            await dead_letters_since(p.infra, dead_letters_before),
            expected,
        )
