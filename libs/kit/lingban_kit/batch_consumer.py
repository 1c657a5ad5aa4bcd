"""Consuming in batches: one handler call per polled batch, commit after handling.

For read models that write in bulk (reporting). A dedicated aiokafka consumer
polls up to `max_records`, decodes every record (poison goes straight to the
dead-letter topic, exactly like `EventConsumer`), hands the decoded events of
known types to the batch handler in one call, and commits the batch's
offsets only after the handler returned. If the batch handler keeps failing,
the batch is replayed record by record through `EventConsumer`, so only the
record that really fails is dead-lettered after `max_attempts` and the rest
are applied. A dependency outage (database, broker) is not a failing record:
the batch is retried after a growing pause until the dependency is back, and
nothing is dead-lettered for it. Decoding never raises anything but
`DecodeError`, and the dead-letter copy always fits on its topic, so a single
record cannot wedge the loop; what is left (the dead-letter send itself failing
while Kafka is away) seeks back to the last committed offsets after a growing
pause: the batch is read again, nothing is lost. A commit refused because the
group rebalanced is logged and the loop goes on (the records come again; the
read models are idempotent). The single-record `EventConsumer` stays the
default for the other services.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Collection, Sequence

from aiokafka import AIOKafkaProducer, TopicPartition
from aiokafka.errors import CommitFailedError, IllegalStateError

from lingban_contracts import DecodeError, Envelope, decode_record
from lingban_kit import metrics
from lingban_kit.consumer import EventConsumer, IncomingRecord
from lingban_kit.kafka import new_consumer
from lingban_kit.kafka_security import KafkaSecurity
from lingban_kit.retry import is_transient

log = logging.getLogger(__name__)

BatchHandler = Callable[[Sequence[Envelope]], Awaitable[None]]
# With `gather_ms`: what a fetch waits for unless the time is up first (a batch of a
# thousand events of a few hundred bytes to a few KB each: a backlog fills it at once).
GATHER_MIN_BYTES = 1024 * 1024


class BatchEventConsumer:
    def __init__(
        self,
        *,
        service: str,
        handler: BatchHandler,
        event_types: Collection[str],
        producer: AIOKafkaProducer,
        max_attempts: int,
        backoff_seconds: float,
        outage_backoff_seconds: float = 0.5,
        outage_backoff_max_seconds: float = 30.0,
    ) -> None:
        self.service = service
        self.handler = handler
        self.event_types = frozenset(event_types)
        self.max_attempts = max_attempts
        self.backoff_seconds = backoff_seconds

        async def one(event: Envelope) -> None:
            await handler([event])

        # The per-record path: same retries and dead letters as every other service.
        self.single = EventConsumer(
            service=service,
            handlers=dict.fromkeys(self.event_types, one),
            producer=producer,
            max_attempts=max_attempts,
            backoff_seconds=backoff_seconds,
            outage_backoff_seconds=outage_backoff_seconds,
            outage_backoff_max_seconds=outage_backoff_max_seconds,
        )

    async def handle_batch(self, records: Sequence[IncomingRecord]) -> None:
        """Handle a polled batch; returns once every record is applied or dead-lettered."""
        events: list[Envelope] = []
        decoded: list[IncomingRecord] = []
        for record in records:
            try:
                envelope = decode_record(record.headers, record.value, topic=record.topic)
            except DecodeError as exc:
                await self.single._dead_letter(record, "poison", str(exc), event_type="unknown")
                continue
            if envelope.type not in self.event_types:
                metrics.EVENTS_CONSUMED.labels(self.service, envelope.type, "skipped").inc()
                continue
            events.append(envelope)
            decoded.append(record)
        if not events:
            return
        attempt = 0
        outage = self.single.outage_delays()
        while attempt < self.max_attempts:
            started = time.perf_counter()
            try:
                await self.handler(events)
            except Exception as exc:
                if is_transient(exc):
                    # The database is away: every record would fail now, none is at fault.
                    await self.single.wait_out_outage(outage, exc)
                    continue
                attempt += 1
                outage = self.single.outage_delays()
                log.warning(
                    "batch handler failed",
                    extra={"events": len(events), "attempt": attempt, "error": repr(exc)},
                )
                if attempt < self.max_attempts:
                    await asyncio.sleep(self.backoff_seconds * 2 ** (attempt - 1))
                continue
            elapsed = time.perf_counter() - started
            for event in events:
                metrics.EVENTS_CONSUMED.labels(self.service, event.type, "handled").inc()
                metrics.HANDLER_LATENCY.labels(self.service, event.type).observe(
                    elapsed / len(events)
                )
            return
        # Isolate the failing record(s): one by one, with retries and dead letters.
        for record in decoded:
            await self.single.handle(record)


async def run_batch_consumer(
    consumer: BatchEventConsumer,
    *,
    bootstrap: str,
    topics: Sequence[str],
    group_id: str,
    max_records: int = 1000,
    poll_timeout_ms: int = 200,
    gather_ms: int = 0,
    on_batch_done: Callable[[int], None] | None = None,
    security: KafkaSecurity | None = None,
) -> None:
    """Poll, handle, commit, until cancelled.

    `gather_ms`: how long the broker may hold a fetch to gather records (Kafka's
    `fetch.max.wait.ms`, with a `fetch.min.bytes` of a full batch, so a backlog is
    answered at once). A handler with a cost per batch (reporting's roll-ups) then
    pays it once per that many milliseconds of events, not once per few events.
    """
    gathering = (
        {"fetch_max_wait_ms": gather_ms, "fetch_min_bytes": GATHER_MIN_BYTES} if gather_ms else {}
    )
    kafka = new_consumer(
        *topics,
        bootstrap=bootstrap,
        security=security,
        group_id=group_id,
        client_id=f"lingban-{consumer.service}-batch",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_poll_records=max_records,
        **gathering,
    )
    await kafka.start()
    pauses = consumer.single.outage_delays()
    try:
        while True:
            polled = await kafka.getmany(timeout_ms=poll_timeout_ms, max_records=max_records)
            if not polled:
                continue
            records = [IncomingRecord.of(r) for batch in polled.values() for r in batch]
            try:
                await consumer.handle_batch(records)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                pause = next(pauses)
                log.error(
                    "batch not handled; reading it again after a pause",
                    extra={"error": repr(exc), "retry_in_seconds": pause},
                )
                await asyncio.sleep(pause)
                for tp in polled:
                    committed = await kafka.committed(tp)
                    kafka.seek(tp, committed or 0)
                continue
            pauses = consumer.single.outage_delays()
            offsets = {
                TopicPartition(tp.topic, tp.partition): batch[-1].offset + 1
                for tp, batch in polled.items()
                if batch
            }
            try:
                await kafka.commit(offsets)
            except (CommitFailedError, IllegalStateError) as exc:
                # The group rebalanced under us (a replica joined or left, or
                # the batch outlasted max.poll.interval): the partitions' new
                # owner reads these records again. Dying here would stop
                # consuming for good.
                log.warning(
                    "batch handled but its offsets were not committed; it will be read again",
                    extra={"error": repr(exc)},
                )
                continue
            if on_batch_done is not None:
                on_batch_done(len(records))
    finally:
        await kafka.stop()
