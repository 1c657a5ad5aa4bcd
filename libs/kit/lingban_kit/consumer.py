"""Consuming events: an explicit handler table, retries, and a dead-letter topic.

The subscriber commits the offset only after `handle` returns (FastStream's
default policy commits first, which loses events on a crash). Handlers must be
idempotent, because a crash after the effect and before the commit redelivers.
A message that cannot be decoded is poison and goes straight to the
dead-letter topic; one whose handler keeps failing goes there after
`max_attempts`, carrying the error. Either way the consumer carries on.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass

from aiokafka import AIOKafkaProducer

from lingban_contracts import DecodeError, Envelope, KafkaRecord, decode_record
from lingban_contracts.codec import headers_to_dict
from lingban_contracts.topics import dead_letter_topic
from lingban_kit import metrics
from lingban_kit.kafka import send_records
from lingban_kit.logging import correlation_id

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


class EventConsumer:
    def __init__(
        self,
        *,
        service: str,
        handlers: HandlerTable,
        producer: AIOKafkaProducer,
        max_attempts: int,
        backoff_seconds: float,
    ) -> None:
        self.service = service
        self.handlers = handlers
        self.producer = producer
        self.max_attempts = max_attempts
        self.backoff_seconds = backoff_seconds
        self.dead_letter_topic = dead_letter_topic(service)

    async def handle(self, record: IncomingRecord) -> None:
        try:
            envelope = decode_record(record.headers, record.value)
        except DecodeError as exc:
            await self._dead_letter(record, "poison", str(exc), event_type="unknown")
            return
        handler = self.handlers.get(envelope.type)
        if handler is None:
            # Not ours to handle (other consumers read this topic too).
            metrics.EVENTS_CONSUMED.labels(self.service, envelope.type, "skipped").inc()
            return
        token = correlation_id.set(envelope.correlation_id or envelope.id)
        try:
            await self._handle_with_retries(record, envelope, handler)
        finally:
            correlation_id.reset(token)

    async def _handle_with_retries(
        self, record: IncomingRecord, envelope: Envelope, handler: Handler
    ) -> None:
        last_error = ""
        for attempt in range(1, self.max_attempts + 1):
            started = time.perf_counter()
            try:
                await handler(envelope)
            except Exception as exc:
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
        original = headers_to_dict(record.headers)
        headers = [(k, v.encode()) for k, v in original.items()] + [
            ("dlt_reason", reason.encode()),
            ("dlt_error", error[:4000].encode()),
            ("dlt_consumer", self.service.encode()),
            ("dlt_original_topic", record.topic.encode()),
            ("dlt_original_partition", str(record.partition).encode()),
            ("dlt_original_offset", str(record.offset).encode()),
        ]
        await send_records(
            self.producer,
            [KafkaRecord(self.dead_letter_topic, record.key or b"", record.value or b"", headers)],
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
