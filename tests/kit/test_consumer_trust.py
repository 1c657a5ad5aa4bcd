"""Consumers trust only what the topic may carry: an event of another topic's type,
from a service that does not own the topic, or with a region that is not its unit's,
is dead-lettered as poison with the reason; handlers get the payload model's dump."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import cast

import pytest
from aiokafka import AIOKafkaProducer

from lingban_contracts import DecodeError, Envelope, decode_record, encode_record
from lingban_contracts.topics import PROJECTS, SUPERVISION, dead_letter_topic
from lingban_kit.batch_consumer import BatchEventConsumer
from lingban_kit.consumer import EventConsumer, IncomingRecord
from tests.events import project_declared
from tests.kit.test_consumer_faults import DECLARED, FakeProducer


def arriving(
    event: Envelope,
    *,
    topic: str | None = None,
    headers: dict[str, str] | None = None,
    value: bytes | None = None,
) -> IncomingRecord:
    """`event` as read from `topic` (its own by default), with some headers replaced."""
    record = encode_record(event)
    replaced = headers or {}
    return IncomingRecord(
        topic=topic or record.topic,
        partition=0,
        offset=3,
        key=record.key,
        value=record.value if value is None else value,
        headers=[(k, replaced[k].encode() if k in replaced else v) for k, v in record.headers],
    )


def consumer(handled: list[Envelope], producer: FakeProducer) -> EventConsumer:
    async def handle(event: Envelope) -> None:
        handled.append(event)

    return EventConsumer(
        service="trust",
        handlers={DECLARED: handle},
        producer=cast(AIOKafkaProducer, producer),
        max_attempts=1,
        backoff_seconds=0,
    )


def dead_letter_reason(producer: FakeProducer) -> tuple[str, str]:
    [(topic, _key, _value, headers)] = producer.sent
    assert topic == dead_letter_topic("trust")
    found = dict(headers)
    return found["dlt_reason"].decode(), found["dlt_error"].decode()


FORGERIES = {
    "type of another topic": (
        {"topic": SUPERVISION.name},
        f"belongs on topic {PROJECTS.name}, not on {SUPERVISION.name}",
    ),
    "forged ce_source": (
        {"headers": {"ce_source": "urn:lingban:supervision"}},
        "'urn:lingban:supervision' is not 'urn:lingban:projects'",
    ),
    "region not the payload's unit": (
        {"headers": {"ce_regioncode": "340881100202"}},
        "ce_regioncode 340881100202 does not match the payload's unit 340881100201",
    ),
}


@pytest.mark.parametrize("case", FORGERIES, ids=list(FORGERIES))
async def test_an_event_that_could_not_come_from_its_topic_is_dead_lettered(case: str) -> None:
    changes, reason = FORGERIES[case]
    handled: list[Envelope] = []
    producer = FakeProducer()
    event = project_declared(unit_code="340881100201")

    await consumer(handled, producer).handle(arriving(event, **changes))  # type: ignore[arg-type]

    assert handled == []
    kind, error = dead_letter_reason(producer)
    assert kind == "poison"
    assert reason in error


async def test_the_batch_consumer_dead_letters_forgeries_and_applies_the_rest() -> None:
    applied: list[Sequence[Envelope]] = []
    producer = FakeProducer()

    async def apply(events: Sequence[Envelope]) -> None:
        applied.append(events)

    batch = BatchEventConsumer(
        service="trust",
        handler=apply,
        event_types=[DECLARED],
        producer=cast(AIOKafkaProducer, producer),
        max_attempts=1,
        backoff_seconds=0,
    )
    good = project_declared(title="good")
    forged = project_declared(title="forged")
    await batch.handle_batch(
        [arriving(good), arriving(forged, headers={"ce_source": "urn:lingban:notifications"})]
    )

    assert [[e.id for e in events] for events in applied] == [[good.id]]
    kind, error = dead_letter_reason(producer)
    assert (kind, "is not 'urn:lingban:projects'" in error) == ("poison", True)


async def test_a_genuine_event_reaches_its_handler() -> None:
    handled: list[Envelope] = []
    producer = FakeProducer()
    event = project_declared()

    await consumer(handled, producer).handle(arriving(event))

    assert [e.id for e in handled] == [event.id]
    assert producer.sent == []


def test_handlers_get_the_models_dump_not_the_raw_payload() -> None:
    event = project_declared()
    record = encode_record(event)
    raw = json.loads(record.value)
    # The model coerces a numeric string; consumers must see the model's value,
    # and fields the sender left out at their defaults, as the model has them.
    raw["year"] = "2026"

    decoded = decode_record(record.headers, json.dumps(raw).encode(), topic=record.topic)

    assert decoded.data["year"] == 2026
    assert decoded.data == event.data


def test_without_a_topic_only_the_record_itself_is_checked() -> None:
    # The codec alone (documents, tools) decodes without knowing a topic; consumers pass it.
    event = project_declared()
    record = encode_record(event)
    forged = [(k, b"urn:lingban:elsewhere" if k == "ce_source" else v) for k, v in record.headers]

    assert decode_record(forged, record.value).source == "urn:lingban:elsewhere"
    with pytest.raises(DecodeError, match="is not 'urn:lingban:projects'"):
        decode_record(forged, record.value, topic=PROJECTS.name)
