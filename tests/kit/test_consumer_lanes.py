"""A polled batch is applied key by key side by side (`EventConsumer.handle_polled`):
one aggregate's records keep their order, different aggregates overlap, and a
failure is raised only after the other keys are done (the batch is read again)."""

from __future__ import annotations

import asyncio
from typing import cast

import pytest
from aiokafka import AIOKafkaProducer

from lingban_contracts import Envelope
from lingban_kit.consumer import EventConsumer, IncomingRecord
from tests.events import project_declared
from tests.kit.test_consumer_faults import DECLARED, FakeProducer, incoming


def record_of(event: Envelope, offset: int, partition: int = 0) -> IncomingRecord:
    return incoming(event=event, offset=offset, partition=partition)


def consumer(handler: object, producer: FakeProducer | None = None) -> EventConsumer:
    return EventConsumer(
        service="lanes",
        handlers={DECLARED: handler},  # type: ignore[dict-item]
        producer=cast(AIOKafkaProducer, producer or FakeProducer()),
        max_attempts=1,
        backoff_seconds=0,
    )


async def test_one_aggregates_records_keep_their_order_and_aggregates_overlap() -> None:
    first, second = "project-a", "project-b"
    applied: list[tuple[str, int]] = []
    second_started = asyncio.Event()

    async def handler(event: Envelope) -> None:
        if event.aggregate_id == second:
            second_started.set()
        elif event.aggregate_version == 1:
            # Only returns if the other aggregate is applied meanwhile, not after.
            await asyncio.wait_for(second_started.wait(), timeout=5)
        applied.append((event.aggregate_id, event.aggregate_version))

    records = [
        record_of(project_declared(first, version=1), offset=10),
        record_of(project_declared(first, version=2), offset=11),
        record_of(project_declared(second, version=1), offset=12),
        record_of(project_declared(first, version=3), offset=13),
    ]
    # Polled out of order: the offsets decide.
    await consumer(handler).handle_polled(list(reversed(records)), concurrency=4)

    assert [v for a, v in applied if a == first] == [1, 2, 3]
    assert (second, 1) in applied
    assert applied.index((second, 1)) < applied.index((first, 1))


async def test_with_a_concurrency_of_one_the_batch_is_applied_one_key_after_another() -> None:
    running = 0
    most = 0

    async def handler(event: Envelope) -> None:
        nonlocal running, most
        running += 1
        most = max(most, running)
        await asyncio.sleep(0)
        running -= 1

    records = [record_of(project_declared(f"p{i}"), offset=i) for i in range(6)]
    await consumer(handler).handle_polled(records, concurrency=1)
    assert most == 1


async def test_a_failure_is_raised_after_the_other_keys_are_applied() -> None:
    applied: list[str] = []

    class DeadLetterDown(FakeProducer):
        async def send(self, topic: str, **kwargs: object) -> asyncio.Future[None]:
            raise ConnectionError("broker away while dead-lettering")

    async def handler(event: Envelope) -> None:
        if event.aggregate_id == "bad":
            raise ValueError("cannot apply")
        await asyncio.sleep(0.01)
        applied.append(event.aggregate_id)

    records = [
        record_of(project_declared("bad"), offset=1),
        record_of(project_declared("good-1"), offset=2),
        record_of(project_declared("good-2"), offset=3, partition=1),
    ]
    with pytest.raises(ConnectionError):
        await consumer(handler, DeadLetterDown()).handle_polled(records, concurrency=4)
    assert sorted(applied) == ["good-1", "good-2"]
