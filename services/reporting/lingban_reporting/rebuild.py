"""Rebuild the read models from the beginning of the topics, then swap them in.

    python -m lingban_reporting.rebuild [--batch-size N] [--keep-old] [--restart]

1. Picks a fresh generation (or resumes the one an interrupted run left in
   its checkpoint) and notes where every partition ends now: the target.
   It refuses (exit 2, one clear line) when a partition no longer starts at
   offset 0: retention or deleted records took the oldest events.
2. Replays every partition from offset 0 to the target into the fresh
   generation's collections, in batches, saving the next offsets to the
   checkpoint (`reporting_meta`, `_id: "rebuild"`) after each batch (once its
   figures are settled: they are settled while the next batch is written,
   `projector.Replay`). Killed
   or crashed, the next run continues from the checkpoint; a batch applied
   twice changes nothing (the folds are idempotent).
3. Moves the `active_generation` pointer (one document write): readers
   switch at their next request and never see a half-built model.
4. Waits for the live consumer to notice the pointer, then catches up on
   what arrived meanwhile (the live consumer may have written those events
   to the old generation only) and drops the old generation.

A progress bar goes to stderr. Poison records are skipped here (the live
consumer has dead-lettered them already).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Callable
from typing import Any, TextIO

from aiokafka import TopicPartition

from lingban_contracts import DecodeError, Envelope, decode_record
from lingban_kit import mongo
from lingban_kit.kafka import new_consumer, stop_consumer
from lingban_kit.mongo import Database
from lingban_kit.testing import partitions_of
from lingban_reporting.live_consumer import topics_of
from lingban_reporting.projector import Projector, Replay
from lingban_reporting.read_models.generations import (
    META,
    PointerCache,
    ReadModels,
    activate,
    active_generation,
    drop_generation,
    ensure_indexes,
    mark_figures_built,
    next_generation,
)
from lingban_reporting.settings import ReportingSettings

CHECKPOINT_ID = "rebuild"
Offsets = dict[str, int]  # "topic|with|bars:partition" -> next offset


def _key(tp: TopicPartition) -> str:
    # Document keys may not contain dots (topic names do).
    return f"{tp.topic.replace('.', '|')}:{tp.partition}"


def _tp(key: str) -> TopicPartition:
    topic, partition = key.rsplit(":", 1)
    return TopicPartition(topic.replace("|", "."), int(partition))


class Progress:
    """A plain progress bar on stderr (no dependency): done/total, rate, ETA."""

    def __init__(self, total: int, stream: TextIO = sys.stderr, enabled: bool = True) -> None:
        self.total, self.done, self.stream, self.enabled = max(total, 1), 0, stream, enabled
        self.started = time.monotonic()

    def advance(self, n: int) -> None:
        self.done += n
        if not self.enabled:
            return
        share = min(self.done / self.total, 1.0)
        elapsed = max(time.monotonic() - self.started, 1e-6)
        rate = self.done / elapsed
        eta = (self.total - self.done) / rate if rate else 0
        bar = "#" * int(share * 30)
        self.stream.write(
            f"\rrebuild [{bar:<30}] {share:6.1%} {self.done}/{self.total} events "
            f"{rate:,.0f}/s ETA {eta:,.0f}s"
        )
        self.stream.flush()

    def finish(self) -> None:
        if self.enabled:
            self.stream.write("\n")
            self.stream.flush()


async def _end_offsets(bootstrap: str, topics: list[str]) -> Offsets:
    return (await _log_bounds(bootstrap, topics))[1]


async def _log_bounds(bootstrap: str, topics: list[str]) -> tuple[Offsets, Offsets]:
    """Where each partition's kept log begins and where it ends now."""
    tps: list[TopicPartition] = []
    for topic in topics:
        try:
            tps += await partitions_of(bootstrap, topic)
        except Exception:  # the topic does not exist yet: nothing to replay
            continue
    if not tps:
        return {}, {}
    consumer = new_consumer(bootstrap=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        begins = await consumer.beginning_offsets(tps)
        ends = await consumer.end_offsets(tps)
        return (
            {_key(tp): int(offset) for tp, offset in begins.items()},
            {_key(tp): int(offset) for tp, offset in ends.items()},
        )
    finally:
        await stop_consumer(consumer)


class HistoryIncomplete(RuntimeError):
    """The topics no longer hold every event since the first (R8): a rebuild would
    silently miss the oldest ones, so it refuses."""


async def check_history_complete(bootstrap: str, topics: list[str]) -> Offsets:
    """The end offsets, after checking every partition still starts at offset 0."""
    begins, ends = await _log_bounds(bootstrap, topics)
    lost = {key: first for key, first in begins.items() if first > 0}
    if lost:
        where = ", ".join(
            f"{_tp(key).topic}[{_tp(key).partition}] from offset {first}"
            for key, first in sorted(lost.items())
        )
        raise HistoryIncomplete(
            "cannot rebuild: the oldest events are gone from the topics (retention or "
            f"deleted records): {where}. The topics must keep their whole history "
            "(retention.ms=-1); restore them from a backup before rebuilding."
        )
    return ends


async def _replay(
    bootstrap: str,
    projector: Projector,
    models: ReadModels,
    start: Offsets,
    target: Offsets,
    batch_size: int,
    on_batch: Callable[[Offsets, int], Any],
) -> None:
    """Apply every record in [start, target) of each partition."""
    todo = {k: v for k, v in target.items() if start.get(k, 0) < v}
    if not todo:
        return
    consumer = new_consumer(
        bootstrap=bootstrap, enable_auto_commit=False, max_poll_records=batch_size
    )
    replay = Replay(projector, models)
    # The batch whose figures are being settled: its end position and record count,
    # reported (checkpointed) only once it is settled.
    settling: tuple[Offsets, int] | None = None
    await consumer.start()
    try:
        consumer.assign([_tp(k) for k in todo])
        for key in todo:
            consumer.seek(_tp(key), start.get(key, 0))
        position = {k: start.get(k, 0) for k in todo}
        while any(position[k] < target[k] for k in todo):
            polled = await consumer.getmany(timeout_ms=500, max_records=batch_size)
            events: list[Envelope] = []
            count = 0
            for tp, records in polled.items():
                key = _key(tp)
                for record in records:
                    if record.offset >= target[key]:
                        break
                    count += 1
                    position[key] = record.offset + 1
                    try:
                        events.append(
                            decode_record(list(record.headers), record.value, topic=tp.topic)
                        )
                    except DecodeError:
                        continue
                if records and position[key] >= target[key]:
                    consumer.pause(tp)
            if count:
                await replay.apply(events)
                if settling is not None:
                    await on_batch(*settling)
                settling = (dict(position), count)
        await replay.drain()
        if settling is not None:
            await on_batch(*settling)
    finally:
        await replay.cancel()
        await consumer.stop()


async def rebuild(
    db: Database,
    bootstrap: str,
    *,
    batch_size: int = 2000,
    keep_old: bool = False,
    restart: bool = False,
    show_progress: bool = True,
    pointer_wait: float | None = None,
    stop_after_batches: int | None = None,
) -> str:
    """Rebuild into a fresh generation and activate it; returns the generation."""
    meta = db[META]
    projector = Projector(db)
    topics = topics_of(projector.event_types())
    checkpoint = await meta.find_one({"_id": CHECKPOINT_ID})
    current = await active_generation(db)
    if checkpoint and checkpoint.get("status") == "running" and not restart:
        generation = str(checkpoint["generation"])
        target: Offsets = dict(checkpoint["target"])
        done: Offsets = dict(checkpoint["offsets"])
    else:
        previous = str(checkpoint["generation"]) if checkpoint else current
        generation = next_generation(max(current, previous, key=_number))
        await drop_generation(ReadModels(db, generation))
        target = await check_history_complete(bootstrap, topics)
        done = {}
        await meta.replace_one(
            {"_id": CHECKPOINT_ID},
            {
                "generation": generation,
                "replacing": current,
                "target": target,
                "offsets": done,
                "status": "running",
            },
            upsert=True,
        )
    models = ReadModels(db, generation)
    await ensure_indexes(models)
    # Its figure documents are kept from its first event on (no backfill needed).
    await mark_figures_built(models)
    progress = Progress(sum(target.values()) - sum(done.values()), enabled=show_progress)
    batches = 0

    async def save(position: Offsets, count: int) -> None:
        nonlocal batches
        done.update(position)
        await meta.update_one({"_id": CHECKPOINT_ID}, {"$set": {"offsets": done}})
        progress.advance(count)
        batches += 1
        if stop_after_batches is not None and batches >= stop_after_batches:
            raise KeyboardInterrupt("stopped on request (testing the checkpoint)")

    await _replay(bootstrap, projector, models, done, target, batch_size, save)
    progress.finish()

    # Swap, let the live consumer notice, then catch up on what came meanwhile.
    await activate(db, generation)
    await asyncio.sleep(PointerCache.DEFAULT_TTL + 1 if pointer_wait is None else pointer_wait)
    latest = await _end_offsets(bootstrap, topics)

    async def ignore(position: Offsets, count: int) -> None:
        return None

    await _replay(bootstrap, projector, models, target, latest, batch_size, ignore)
    old = checkpoint.get("replacing") if checkpoint and not restart else current
    await meta.update_one({"_id": CHECKPOINT_ID}, {"$set": {"status": "done", "offsets": latest}})
    if not keep_old and old and old != generation:
        await drop_generation(ReadModels(db, str(old)))
    return generation


def _number(generation: str) -> int:
    digits = generation.removeprefix("g")
    return int(digits) if digits.isdigit() else 0


async def _main(args: argparse.Namespace) -> None:
    settings = ReportingSettings()
    client = mongo.connect(settings.mongodb_uri)
    try:
        generation = await rebuild(
            client[settings.mongodb_database],
            settings.kafka_bootstrap_servers,
            batch_size=args.batch_size,
            keep_old=args.keep_old,
            restart=args.restart,
        )
        print(f"read models rebuilt into generation {generation} and activated", file=sys.stderr)
    except HistoryIncomplete as refused:
        print(str(refused), file=sys.stderr)
        sys.exit(2)
    finally:
        await client.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m lingban_reporting.rebuild",
        description="Replay the topics into fresh read models and swap them in.",
    )
    parser.add_argument("--batch-size", type=int, default=2000)
    parser.add_argument("--keep-old", action="store_true", help="keep the previous generation")
    parser.add_argument(
        "--restart", action="store_true", help="ignore an unfinished checkpoint and start over"
    )
    args = parser.parse_args(argv)
    try:
        asyncio.run(_main(args))
    except KeyboardInterrupt:
        print("\ninterrupted: run again to continue from the checkpoint", file=sys.stderr)
        sys.exit(130)


if __name__ == "__main__":
    main()
