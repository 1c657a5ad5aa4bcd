"""Consumers under faults, with an in-memory producer: outages are waited out and never
dead-lettered, every poison record is dead-lettered once, and its copy always fits."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any, cast

import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaConnectionError, MessageSizeTooLargeError
from pymongo.errors import (
    AutoReconnect,
    DuplicateKeyError,
    NetworkTimeout,
    OperationFailure,
    ServerSelectionTimeoutError,
)

from lingban_contracts import Envelope, KafkaRecord, encode_record
from lingban_contracts.topics import dead_letter_topic
from lingban_kit.batch_consumer import BatchEventConsumer
from lingban_kit.consumer import EventConsumer, IncomingRecord, dead_letter_copy
from lingban_kit.kafka import MAX_REQUEST_BYTES, record_size
from lingban_kit.retry import backoff_delays, is_transient
from lingban_kit.supervisor import Supervisor
from tests.events import project_declared

DECLARED = "lingban.projects.project-declared.v1"


class FakeProducer:
    """Accepts what aiokafka would accept (the size check included) and keeps it."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes, bytes, list[tuple[str, bytes]]]] = []

    async def send(
        self, topic: str, *, value: bytes, key: bytes, headers: list[tuple[str, bytes]]
    ) -> asyncio.Future[None]:
        if record_size(KafkaRecord(topic, key, value, headers)) > MAX_REQUEST_BYTES:
            raise MessageSizeTooLargeError("too large")
        self.sent.append((topic, key, value, headers))
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        done.set_result(None)
        return done


def incoming(
    value: bytes | None = None,
    headers: Sequence[tuple[str, bytes]] | None = None,
    event: Envelope | None = None,
    offset: int = 7,
    partition: int = 0,
) -> IncomingRecord:
    record = encode_record(event or project_declared(title="t"))
    return IncomingRecord(
        topic=record.topic,
        partition=partition,
        offset=offset,
        key=record.key,
        value=record.value if value is None else value,
        headers=record.headers if headers is None else list(headers),
    )


def consumer_with(handler: Any, producer: FakeProducer) -> EventConsumer:
    return EventConsumer(
        service="faults",
        handlers={DECLARED: handler},
        producer=cast(AIOKafkaProducer, producer),
        max_attempts=3,
        backoff_seconds=0,
        outage_backoff_seconds=0.001,
        outage_backoff_max_seconds=0.004,
    )


@pytest.mark.parametrize(
    "outage",
    [
        ServerSelectionTimeoutError("no server"),
        AutoReconnect("primary stepped down"),
        NetworkTimeout("timed out"),
        KafkaConnectionError("broker away"),
        ConnectionRefusedError("refused"),
    ],
)
async def test_an_outage_is_waited_out_however_long_and_never_dead_lettered(
    outage: Exception,
) -> None:
    producer = FakeProducer()
    calls = 0

    async def handler(event: Envelope) -> None:
        nonlocal calls
        calls += 1
        if calls <= 25:  # far more than max_attempts
            raise outage

    await consumer_with(handler, producer).handle(incoming())
    assert calls == 26
    assert producer.sent == []


async def test_a_domain_error_is_dead_lettered_after_the_attempts_outages_not_counted() -> None:
    producer = FakeProducer()
    calls: list[str] = []

    async def handler(event: Envelope) -> None:
        calls.append("x")
        if len(calls) % 2:
            raise AutoReconnect("flapping")
        raise ValueError("stage does not exist")

    await consumer_with(handler, producer).handle(incoming())
    assert len(calls) == 6  # 3 real attempts, each after an outage
    [(topic, _, _, headers)] = producer.sent
    assert topic == dead_letter_topic("faults")
    assert dict(headers)["dlt_reason"] == b"handler_failed"
    assert b"stage does not exist" in dict(headers)["dlt_error"]


@pytest.mark.parametrize(
    "value", [b"[" * 100_000, b'{"a":' * 50_000, b"x" * (MAX_REQUEST_BYTES + 10)]
)
async def test_undecodable_records_are_dead_lettered_once(value: bytes) -> None:
    producer = FakeProducer()

    async def handler(event: Envelope) -> None:
        raise AssertionError("never handled")

    await consumer_with(handler, producer).handle(incoming(value=value))
    [(_, _, _, headers)] = producer.sent
    assert dict(headers)["dlt_reason"] == b"poison"


def test_a_dead_letter_copy_of_a_record_near_the_limit_fits_without_its_value() -> None:
    base = incoming()
    room = MAX_REQUEST_BYTES - record_size(encode_record(project_declared(title="t"))) - 100
    near = incoming(
        value=(base.value or b"") + b" " * room
    )  # fits the topic, not with dlt_* headers
    trailer = [("dlt_reason", b"poison"), ("dlt_error", b"e" * 4000)]
    copy = dead_letter_copy("dlt", near, trailer)
    assert record_size(copy) <= MAX_REQUEST_BYTES
    headers = dict(copy.headers)
    assert copy.value == b""
    assert headers["dlt_value_omitted"] == str(len(near.value or b"")).encode()
    assert headers["ce_type"] == DECLARED.encode()  # the original headers are kept
    small = dead_letter_copy("dlt", base, trailer)
    assert small.value == base.value  # a copy that fits is the original


def test_a_dead_letter_copy_with_huge_headers_still_fits() -> None:
    huge = incoming(headers=[(f"h{i}", b"v" * 200_000) for i in range(8)])
    copy = dead_letter_copy("dlt", huge, [("dlt_reason", b"poison")])
    assert record_size(copy) <= MAX_REQUEST_BYTES
    assert dict(copy.headers)["dlt_reason"] == b"poison"


async def test_the_batch_consumer_waits_out_an_outage_then_applies_the_whole_batch() -> None:
    producer = FakeProducer()
    applied: list[int] = []
    calls = 0

    async def handler(events: Sequence[Envelope]) -> None:
        nonlocal calls
        calls += 1
        if calls <= 10:
            raise ServerSelectionTimeoutError("database away")
        applied.append(len(events))

    consumer = BatchEventConsumer(
        service="faults",
        handler=handler,
        event_types={DECLARED},
        producer=cast(AIOKafkaProducer, producer),
        max_attempts=2,
        backoff_seconds=0,
        outage_backoff_seconds=0.001,
        outage_backoff_max_seconds=0.004,
    )
    records = [incoming(event=project_declared(title=f"e{i}")) for i in range(3)]
    await consumer.handle_batch([*records, incoming(value=b"[" * 100_000)])
    assert applied == [3]  # one batch, not record by record
    assert [dict(h)["dlt_reason"] for *_, h in producer.sent] == [b"poison"]


def test_errors_are_sorted_into_outages_and_the_rest() -> None:
    assert is_transient(ServerSelectionTimeoutError("x"))
    assert is_transient(TimeoutError())
    assert is_transient(OperationFailure("primary stepped down", code=189))
    assert not is_transient(OperationFailure("document failed validation", code=121))
    assert not is_transient(DuplicateKeyError("dup", code=11000))
    assert not is_transient(ValueError("bad data"))
    assert not is_transient(RecursionError())
    assert [d for d, _ in zip(backoff_delays(0.5, 3), range(5), strict=False)] == [
        0.5,
        1.0,
        2.0,
        3,
        3,
    ]


async def test_a_background_loop_that_dies_is_logged_reported_down_and_restarted(
    caplog: pytest.LogCaptureFixture,
) -> None:
    runs = 0
    died = asyncio.Event()
    second_run = asyncio.Event()
    release = asyncio.Event()

    async def loop() -> None:
        nonlocal runs
        runs += 1
        if runs == 1:
            died.set()  # the test wakes once the supervisor has handled the crash
            raise RuntimeError("CommitFailedError: rebalanced")
        second_run.set()
        await release.wait()

    supervisor = Supervisor("faults", restart_seconds=0.2, restart_max_seconds=1)
    supervisor.start("faults-consume", loop)
    try:
        await asyncio.wait_for(died.wait(), 5)
        assert supervisor.down() == {"faults-consume": "RuntimeError"}
        assert "background task died" in caplog.text  # at once, not at shutdown
        await asyncio.wait_for(second_run.wait(), 5)
        assert supervisor.down() == {}
    finally:
        await supervisor.stop()
