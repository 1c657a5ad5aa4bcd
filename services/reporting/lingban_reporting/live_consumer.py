"""The live batch consumer: the topics into the active generation of the read models."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence

from lingban_contracts import REGISTRY, Envelope
from lingban_contracts.access import default_consumer_group
from lingban_contracts.topics import dead_letter_topic
from lingban_kit import kafka
from lingban_kit.batch_consumer import BatchEventConsumer, run_batch_consumer
from lingban_kit.runtime import ServiceRuntime
from lingban_reporting.projector import Projector
from lingban_reporting.read_models.generations import (
    active_models,
    ensure_indexes,
    figures_built,
    mark_figures_built,
)
from lingban_reporting.read_models.restamp import backfill_region_paths
from lingban_reporting.settings import ReportingSettings

log = logging.getLogger(__name__)


def topics_of(event_types: list[str]) -> list[str]:
    return sorted({REGISTRY.for_type(t).topic.name for t in event_types})


async def prepare(runtime: ServiceRuntime) -> None:
    """Topics, indexes and figure documents exist before anything reads or writes."""
    projector = Projector(runtime.db)
    await kafka.ensure_topics(
        runtime.settings.kafka_bootstrap_servers,
        [(dead_letter_topic(runtime.service), 1)]
        + [(name, 6) for name in topics_of(projector.event_types())],
        runtime.replication_factor,
        runtime.kafka_security,
        min_insync_replicas=runtime.settings.kafka_topic_min_insync_replicas,
    )
    models = await active_models(runtime.db)
    await ensure_indexes(models)
    # Documents from before every region filter became a region_path equality (once).
    await backfill_region_paths(models)
    if not await figures_built(models):
        # Read models written before figure documents existed: sum them up once
        # (reads every document, a one-off; later batches keep them).
        await projector.figures.backfill(models)
        await mark_figures_built(models)


async def consume(runtime: ServiceRuntime) -> None:
    settings = runtime.settings
    assert isinstance(settings, ReportingSettings)
    projector = Projector(runtime.db)

    async def apply(events: Sequence[Envelope]) -> None:
        await projector.apply(events)

    # Beside the consumer, not before it: events are folded from the first second on.
    warming = asyncio.create_task(warm(projector))
    consumer = BatchEventConsumer(
        service=runtime.service,
        handler=apply,
        event_types=projector.event_types(),
        producer=runtime.producer,
        max_attempts=settings.consumer_max_attempts,
        backoff_seconds=settings.consumer_retry_backoff_seconds,
        outage_backoff_seconds=settings.consumer_outage_backoff_seconds,
        outage_backoff_max_seconds=settings.consumer_outage_backoff_max_seconds,
    )
    try:
        await run_batch_consumer(
            consumer,
            bootstrap=settings.kafka_bootstrap_servers,
            topics=topics_of(projector.event_types()),
            group_id=settings.consumer_group or default_consumer_group(runtime.service),
            max_records=settings.consumer_batch_size,
            poll_timeout_ms=settings.consumer_poll_ms,
            gather_ms=settings.consumer_gather_ms,
            security=runtime.kafka_security,
        )
    finally:
        warming.cancel()


async def warm(projector: Projector) -> None:
    """The figure book's warm-up (`FigureBook.warm`); without it each unit-year is
    loaded on its first batch, as before."""
    started = time.monotonic()
    try:
        units = await projector.warm()
    except Exception:  # the first batches load what they need themselves
        log.warning("figure book warm-up failed; units load on first touch", exc_info=True)
        return
    seconds = round(time.monotonic() - started, 1)
    log.info("figure book warmed", extra={"unit_years": units, "seconds": seconds})
