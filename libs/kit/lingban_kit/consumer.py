"""Consuming events: an explicit handler table, retries, and a dead-letter topic.

The subscriber commits the offset only after `handle` returns (FastStream's
default policy commits first, which loses events on a crash). Handlers must be
idempotent, because a crash after the effect and before the commit redelivers.
A message that cannot be decoded, or that could not have come from the topic
it arrived on (a type of another topic, a `ce_source` that is not the topic's
producer, a region that is not the payload's unit), is poison and goes straight
to the dead-letter topic; one whose handler keeps failing goes there after
`max_attempts`, carrying the error. Either way the consumer carries on.

A failure that says a dependency is away (database or broker unreachable,
timing out, electing a primary; see `retry.is_transient`) is not the event's
fault: the handler is retried with a growing pause until the dependency is
back, and the event is never dead-lettered for it (the partition waits,
and readiness is red through its database or Kafka check meanwhile).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from aiokafka import AIOKafkaProducer
from aiokafka.structs import ConsumerRecord

from lingban_contracts import DecodeError, Envelope, KafkaRecord, decode_record
from lingban_contracts.topics import dead_letter_topic
from lingban_kit import metrics
from lingban_kit.kafka import MAX_REQUEST_BYTES, record_size, send_records
from lingban_kit.logging import accepted_correlation_id, correlation_id
from lingban_kit.retry import backoff_delays, is_transient

log = logging.getLogger(__name__)

Handler = Callable[[Envelope], Awaitable[None]]
HandlerTable = Mapping[str, Handler]


@dataclass(frozen=True)
class IncomingRecord:
    """The parts of a consumed Kafka record we need (decoupled from aiokafka)."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: Sequence[tuple[str, bytes]]

    @classmethod
    def of(cls, raw: ConsumerRecord[bytes | None, bytes | None]) -> IncomingRecord:
        """The parts of a record aiokafka (or FastStream, which passes aiokafka's on) read."""
        return cls(
            topic=raw.topic,
            partition=raw.partition,
            offset=raw.offset,
            key=raw.key,
            value=raw.value,
            headers=list(raw.headers),
        )


class EventConsumer:
    def __init__(
        self,
        *,
        service: str,
        handlers: HandlerTable,
        producer: AIOKafkaProducer,
        max_attempts: int,
        backoff_seconds: float,
        outage_backoff_seconds: float = 0.5,
        outage_backoff_max_seconds: float = 30.0,
    ) -> None:
        self.service = service
        self.handlers = handlers
        self.producer = producer
        self.max_attempts = max_attempts
        self.backoff_seconds = backoff_seconds
        self.outage_backoff_seconds = outage_backoff_seconds
        self.outage_backoff_max_seconds = outage_backoff_max_seconds
        self.dead_letter_topic = dead_letter_topic(service)

    def outage_delays(self) -> Iterator[float]:
        return backoff_delays(self.outage_backoff_seconds, self.outage_backoff_max_seconds)

    async def wait_out_outage(self, delays: Iterator[float], exc: BaseException) -> None:
        """One pause while a dependency is away; counted and logged."""
        metrics.CONSUMER_OUTAGE_WAITS.labels(self.service).inc()
        delay = next(delays)
        log.warning(
            "dependency unavailable; retrying the event after a pause",
            extra={"error": f"{type(exc).__name__}: {exc}"[:500], "retry_in_seconds": delay},
        )
        await asyncio.sleep(delay)

    async def handle_polled(self, records: Sequence[IncomingRecord], concurrency: int) -> None:
        """A polled batch: each aggregate's records in their order, aggregates side by side.

        Why: a handler spends most of its time waiting for the database, so applying
        one record at a time leaves the service idle while its lag grows. The records
        of one key (one aggregate, always one partition) keep their order; records of
        different keys never had an order a handler could rely on (they may sit on
        different partitions, read by different replicas), so up to `concurrency`
        keys are applied at once. Returns once every record is applied or
        dead-lettered. A failure (say, the dead-letter send itself) is raised after
        the other keys have finished, so the caller reads the batch again and
        nothing is committed past it; handlers are idempotent.
        """
        lanes: dict[tuple[str, int, bytes | None], list[IncomingRecord]] = {}
        for record in records:
            lanes.setdefault((record.topic, record.partition, record.key), []).append(record)
        gate = asyncio.Semaphore(max(1, concurrency))

        async def apply_in_order(lane: list[IncomingRecord]) -> None:
            async with gate:
                for record in sorted(lane, key=lambda r: r.offset):
                    await self.handle(record)

        outcomes = await asyncio.gather(
            *(apply_in_order(lane) for lane in lanes.values()), return_exceptions=True
        )
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                raise outcome

    async def handle(self, record: IncomingRecord) -> None:
        try:
            # Also checks the event may travel on this topic (type, producer, region).
            envelope = decode_record(record.headers, record.value, topic=record.topic)
        except DecodeError as exc:
            await self._dead_letter(record, "poison", str(exc), event_type="unknown")
            return
        handler = self.handlers.get(envelope.type)
        if handler is None:
            # Not ours to handle (other consumers read this topic too).
            metrics.EVENTS_CONSUMED.labels(self.service, envelope.type, "skipped").inc()
            return
        token = correlation_id.set(accepted_correlation_id(envelope.correlation_id, envelope.id))
        try:
            await self._handle_with_retries(record, envelope, handler)
        finally:
            correlation_id.reset(token)

    async def _handle_with_retries(
        self, record: IncomingRecord, envelope: Envelope, handler: Handler
    ) -> None:
        last_error = ""
        attempt = 0
        outage = self.outage_delays()
        while attempt < self.max_attempts:
            started = time.perf_counter()
            try:
                await handler(envelope)
            except Exception as exc:
                if is_transient(exc):
                    # Not an attempt: the event is fine, a dependency is not.
                    await self.wait_out_outage(outage, exc)
                    continue
                attempt += 1
                outage = self.outage_delays()
                last_error = f"{type(exc).__name__}: {exc}"
                metrics.HANDLER_FAILURES.labels(self.service, envelope.type).inc()
                log.warning(
                    "event handler failed",
                    extra={
                        "event_id": envelope.id,
                        "event_type": envelope.type,
                        "attempt": attempt,
                        "error": last_error,
                    },
                )
                if attempt < self.max_attempts:
                    await asyncio.sleep(self.backoff_seconds * 2 ** (attempt - 1))
                continue
            metrics.HANDLER_LATENCY.labels(self.service, envelope.type).observe(
                time.perf_counter() - started
            )
            metrics.EVENTS_CONSUMED.labels(self.service, envelope.type, "handled").inc()
            return
        await self._dead_letter(record, "handler_failed", last_error, event_type=envelope.type)

    async def _dead_letter(
        self, record: IncomingRecord, reason: str, error: str, *, event_type: str
    ) -> None:
        """Park the original bytes with why and where they came from.

        If this send fails the exception propagates, the offset is not
        committed and the message is read again: nothing is lost.
        """
        trailer = [
            ("dlt_reason", reason.encode()),
            ("dlt_error", error[:4000].encode()),
            ("dlt_consumer", self.service.encode()),
            ("dlt_original_topic", record.topic.encode()),
            ("dlt_original_partition", str(record.partition).encode()),
            ("dlt_original_offset", str(record.offset).encode()),
        ]
        await send_records(
            self.producer, [dead_letter_copy(self.dead_letter_topic, record, trailer)]
        )
        metrics.EVENTS_CONSUMED.labels(self.service, event_type, "dead_lettered").inc()
        log.error(
            "event dead-lettered",
            extra={
                "reason": reason,
                "error": error,
                "topic": record.topic,
                "partition": record.partition,
                "offset": record.offset,
            },
        )


# What a header may keep when the original headers alone are too big to copy.
_HEADER_KEEP_BYTES = 1024


def dead_letter_copy(
    topic: str, record: IncomingRecord, trailer: list[tuple[str, bytes]]
) -> KafkaRecord:
    """The original record plus `trailer`, made to fit the producer's limit.

    A record just under the limit no longer fits once the `dlt_*` headers are
    added, and a copy that cannot be sent would block the partition forever.
    So, in order, until it fits: the value is left out (its size and SHA-256
    stay in `dlt_value_omitted` / `dlt_value_sha256`), then every original
    header and the key are cut to 1 KiB, then only our own headers remain.
    """
    key = record.key or b""
    value = record.value or b""
    original = [(k, v or b"") for k, v in record.headers]
    copy = KafkaRecord(topic, key, value, original + trailer)
    if record_size(copy) <= MAX_REQUEST_BYTES:
        return copy
    trailer = [
        *trailer,
        ("dlt_value_omitted", str(len(value)).encode()),
        ("dlt_value_sha256", hashlib.sha256(value).hexdigest().encode()),
    ]
    copy = KafkaRecord(topic, key, b"", original + trailer)
    if record_size(copy) <= MAX_REQUEST_BYTES:
        return copy
    trailer = [*trailer, ("dlt_headers_truncated", b"true")]
    cut = [(k[:_HEADER_KEEP_BYTES], v[:_HEADER_KEEP_BYTES]) for k, v in original]
    copy = KafkaRecord(topic, key[:_HEADER_KEEP_BYTES], b"", cut + trailer)
    if record_size(copy) <= MAX_REQUEST_BYTES:
        return copy
    return KafkaRecord(topic, key[:_HEADER_KEEP_BYTES], b"", trailer)
