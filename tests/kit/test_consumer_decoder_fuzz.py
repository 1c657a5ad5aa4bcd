"""Fuzzing the consumer's door: a record that does not decode is dead-lettered once,
promptly, and the consumer moves on; it is never retried, never raised to the poll
loop (which would read it again, forever), and never handed to a handler.

The broken records are tests/contracts/hostile_records.py's; the dead-letter
topic is faked at the producer boundary, by a producer that keeps what it is sent.
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.errors import MessageSizeTooLargeError
from hypothesis import HealthCheck, given, settings

from lingban_contracts import DecodeError, Envelope, KafkaRecord, decode_record
from lingban_contracts.topics import dead_letter_topic
from lingban_kit.consumer import EventConsumer, IncomingRecord
from lingban_kit.kafka import MAX_REQUEST_BYTES, record_size
from tests.contracts.hostile_records import Hostile, hostile_records

DECLARED = "lingban.projects.project-declared.v1"
PROMPT_SECONDS = 5.0


class KeepingProducer(AIOKafkaProducer):  # type: ignore[misc]  # aiokafka is untyped
    """The real producer's `send`, minus the broker: size-checked like aiokafka, then kept."""

    def __init__(self) -> None:
        super().__init__(bootstrap_servers="unused:9092")  # never started: no connection
        self.sent: list[KafkaRecord] = []

    async def send(
        self, topic: str, *, value: bytes, key: bytes, headers: list[tuple[str, bytes]]
    ) -> asyncio.Future[None]:
        record = KafkaRecord(topic, key, value, headers)
        if record_size(record) > MAX_REQUEST_BYTES:
            raise MessageSizeTooLargeError("too large")
        self.sent.append(record)
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        done.set_result(None)
        return done

    def __del__(self) -> None:
        pass  # never started, so nothing to close (the base class warns otherwise)


async def consume(record: Hostile) -> tuple[list[Envelope], list[KafkaRecord]]:
    handled: list[Envelope] = []

    async def handler(envelope: Envelope) -> None:
        handled.append(envelope)

    producer = KeepingProducer()
    consumer = EventConsumer(
        service="fuzz",
        handlers={DECLARED: handler},
        producer=producer,
        max_attempts=3,
        backoff_seconds=0,
    )
    incoming = IncomingRecord(
        topic=record.topic,
        partition=0,
        offset=42,
        key=record.key,
        value=record.value,
        headers=record.headers,
    )
    await asyncio.wait_for(consumer.handle(incoming), PROMPT_SECONDS)
    return handled, producer.sent


@settings(
    max_examples=200,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(hostile_records())
def test_a_record_that_does_not_decode_is_dead_lettered_once(record: Hostile) -> None:
    try:
        expected: Any = decode_record(record.headers, record.value, topic=record.topic)
    except DecodeError as refused:
        expected = refused

    handled, sent = asyncio.run(consume(record))

    if isinstance(expected, DecodeError):
        assert handled == []
        assert len(sent) == 1
        copy = dict(sent[0].headers)
        assert sent[0].topic == dead_letter_topic("fuzz")
        assert copy["dlt_reason"] == b"poison"
        assert copy["dlt_original_offset"] == b"42"
    else:
        assert sent == []
        assert handled == ([expected] if expected.type == DECLARED else [])
