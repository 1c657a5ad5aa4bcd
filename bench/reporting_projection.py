"""Benchmark: the reporting projections vs the raw bulk-upsert rate of the same database.

    .venv/bin/python bench/reporting_projection.py --scale 1.0   # province-sized year
    .venv/bin/python bench/reporting_projection.py --scale 0.05  # a quick run

Replays a generated year (scale 1.0 = 25,000 projects with their monthly
stage reports and weekly reports, plus inspections, rectifications, problems
and visits) in batches, exactly as the rebuild does (`projector.Replay`: each
batch's figures settled while the next one's documents are written; decoding
excluded), into a scratch database. Then, in the same
run and on the same server, it bulk-upserts documents of the same size by
`_id` (the fastest a read model could possibly be written, one write per
record) and prints both rates side by side. Last, it times the dashboard's
overview of the city (`Reports.overview`, in process: what `GET /v1/overview`
does besides HTTP) over the loaded year. Not a test: speed goals live here.

It also counts, from the driver's command events (whatever the server), what
the figure book reads and writes in `rpt_figures_bench` per event: FerretDB's
cost follows the documents it decodes, so this shows a change's effect even on
a machine too busy for its timings to mean much. A small `--batch-size` (10-50)
is what the live consumer sees at tens of commands per second.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import bson
from pymongo import AsyncMongoClient, monitoring

from lingban_contracts import Envelope
from lingban_contracts.divisions import Level, default_tree
from lingban_kit import mongo
from lingban_reporting.figures.book import Change
from lingban_reporting.overview.service import Reports
from lingban_reporting.projector import Projector, Replay
from lingban_reporting.read_models.generations import ReadModels, ensure_indexes
from lingban_reporting.read_models.server import server_traits
from lingban_reporting.synthetic import events_by_week, plan_year
from lingban_reporting.synthetic_supervision import supervision_year_events

PROVINCE_PROJECTS = 25_000
FIGURES = "rpt_figures_bench"


def query_kind(query: dict[str, Any]) -> str:
    """What a figure query looks up: a unit or roll-up by `_id`, a roll-up's children, ..."""
    if set(query) == {"_id"}:
        return {"u": "unit", "r": "roll-up"}.get(str(query["_id"])[0], "all")
    if set(query) == {"sums_into"}:
        parent = str(query["sums_into"])
        unit = default_tree().get(parent.split(":")[-1]) if parent.startswith("r:") else None
        return f"children of {unit.level.value if unit else parent}"
    return "+".join(sorted(query)) or "everything"


def fields(value: object) -> int:
    """How many fields and array items a document holds, nested ones included: what
    FerretDB 1.24 decodes one by one (with a type beside each) on every read."""
    if isinstance(value, dict):
        return sum(1 + fields(v) for v in value.values())
    if isinstance(value, list):
        return sum(1 + fields(v) for v in value)
    return 0


@dataclass
class FigureTraffic(monitoring.CommandListener):
    """Reads and writes of the figure documents, counted from the driver's command events."""

    on: bool = False
    finds: Counter[str] = field(default_factory=Counter)  # find commands by query kind
    docs: Counter[str] = field(default_factory=Counter)  # documents returned by query kind
    bytes: Counter[str] = field(default_factory=Counter)  # their BSON size by query kind
    writes: Counter[str] = field(default_factory=Counter)  # documents matched or inserted
    seconds: float = 0.0  # spent in `FigureBook.apply`
    _pending: dict[int, str] = field(default_factory=dict)

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        command, name = event.command, event.command_name.lower()
        if not self.on or command.get(event.command_name) != FIGURES:
            if name == "getmore" and self.on and command.get("collection") == FIGURES:
                self._pending[event.request_id] = "getMore"
            return
        if name == "find":
            kind = query_kind(dict(command.get("filter") or {}))
            self.finds[kind] += 1
            self._pending[event.request_id] = kind
        elif name in ("update", "insert"):
            self._pending[event.request_id] = name

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        kind = self._pending.pop(event.request_id, None)
        if kind is None:
            return
        reply = event.reply
        if kind in ("update", "insert"):
            self.writes[kind] += int(reply.get("n") or 0)
            return
        cursor = reply.get("cursor") or {}
        batch = cursor.get("firstBatch", cursor.get("nextBatch", []))
        self.docs[kind] += len(batch)
        self.bytes[kind] += sum(len(bson.encode(doc)) for doc in batch)

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        self._pending.pop(event.request_id, None)

    def report(self, events: int) -> list[str]:
        def per_event(n: float) -> str:
            return f"{n / events:8.2f}"

        lines = [
            f"figure book:       {self.seconds:.1f} s of the projections' time",
            f"figure reads:      {per_event(sum(self.finds.values()))} finds/event, "
            f"{per_event(sum(self.docs.values()))} documents/event, "
            f"{sum(self.bytes.values()) / events / 1000:8.2f} kB/event "
            f"({sum(self.bytes.values()) / 1e6:.1f} MB in all)",
        ]
        for kind in sorted(self.docs, key=lambda k: -self.bytes[k]):
            lines.append(
                f"  {kind:<20} {per_event(self.finds[kind])} finds, "
                f"{per_event(self.docs[kind])} documents, "
                f"{self.bytes[kind] / events / 1000:8.2f} kB per event"
            )
        lines.append(
            f"figure writes:     {per_event(self.writes['update'])} updates/event, "
            f"{per_event(self.writes['insert'])} inserts/event"
        )
        return lines


async def project(
    db: mongo.Database, weeks: list[list[Envelope]], batch_size: int, traffic: FigureTraffic
) -> tuple[int, float, int]:
    """Apply every week's events in batches; returns (events, seconds, documents written)."""
    projector = Projector(db)
    book_apply = projector.figures.apply

    async def timed_apply(models: ReadModels, changes: Iterable[Change]) -> None:
        started = time.perf_counter()
        try:
            await book_apply(models, changes)
        finally:
            traffic.seconds += time.perf_counter() - started

    projector.figures.apply = timed_apply  # type: ignore[method-assign]
    models = ReadModels(db, "bench")
    await ensure_indexes(models)  # as the service has them (writes pay for them too)
    replay = Replay(projector, models)  # as the rebuild replays a year
    events = written = 0
    elapsed = 0.0
    traffic.on = True  # a batch's figures are settled while the next is written
    for week in weeks:
        for i in range(0, len(week), batch_size):
            batch = week[i : i + batch_size]
            started = time.perf_counter()
            written += await replay.apply(batch)
            elapsed += time.perf_counter() - started
            events += len(batch)
        print(
            f"\r  projected {events:,} events in {elapsed:.1f} s",
            end="",
            file=sys.stderr,
            flush=True,
        )
    started = time.perf_counter()
    written += await replay.drain()
    elapsed += time.perf_counter() - started
    traffic.on = False
    print(file=sys.stderr)
    return events, elapsed, written


async def raw_upserts(
    db: mongo.Database, sample: list[dict[str, Any]], total: int, batch_size: int
) -> tuple[int, float]:
    """Bulk upserts by `_id` of documents like the read model's, `total` of them."""
    collection = db["raw_upserts"]
    # The per-command limit the projections use on this server (see read_models/server.py).
    batch_size = min(batch_size, (await server_traits(collection)).writes_per_command)
    done = 0
    elapsed = 0.0
    round_no = 0
    while done < total:
        for i in range(0, len(sample), batch_size):
            chunk = sample[i : i + batch_size][: total - done]
            if not chunk:
                break
            updates = [
                {
                    "q": {"_id": doc["_id"]},
                    "u": {"$set": {**{k: v for k, v in doc.items() if k != "_id"}, "n": round_no}},
                    "upsert": True,
                }
                for doc in chunk
            ]
            started = time.perf_counter()
            await db.command({"update": collection.name, "updates": updates, "ordered": False})
            elapsed += time.perf_counter() - started
            done += len(chunk)
        round_no += 1
        print(f"\r  raw upserts {done:,} in {elapsed:.1f} s", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    return done, elapsed


async def overview_latency(db: mongo.Database, year: int, runs: int = 50) -> list[float]:
    """Seconds per city overview (the dashboard's first request), `runs` times."""
    tree = default_tree()
    city = next(u for u in tree if u.level is Level.CITY)
    reports = Reports(ReadModels(db, "bench"), tree, date(year, 12, 31))
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        await reports.overview(year, city)
        seconds.append(time.perf_counter() - started)
    return seconds


def generate(scale: float, weekly: float) -> list[list[Envelope]]:
    projects = max(1, round(PROVINCE_PROJECTS * scale))
    print(f"generating a year of {projects:,} projects ...", file=sys.stderr)
    weeks = list(events_by_week(plan_year(projects, weekly=weekly)))
    copies = max(1, round(25 * scale))
    supervision = [e for seed in range(copies) for e in supervision_year_events(seed=1000 + seed)]
    # Supervision events join the weeks they happened in.
    for event in supervision:
        week = min(len(weeks) - 1, max(0, (event.time.timetuple().tm_yday - 1) // 7))
        weeks[week].append(event)
    return weeks


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = 25,000 projects")
    parser.add_argument("--batch-size", type=int, default=2000)
    parser.add_argument(
        "--weekly", type=float, default=1.0, help="share of projects reporting weekly"
    )
    parser.add_argument(
        "--mongodb-uri",
        default=os.environ.get("MONGODB_URI", "mongodb://127.0.0.1:27018/"),
    )
    parser.add_argument(
        "--no-raw", action="store_true", help="skip the raw bulk upserts (figure traffic only)"
    )
    args = parser.parse_args()
    weeks = generate(args.scale, args.weekly)
    total = sum(len(w) for w in weeks)
    print(f"{total:,} events; batch size {args.batch_size}", file=sys.stderr)
    traffic = FigureTraffic()
    # As `mongo.connect`, plus the command events the figure traffic is counted from.
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        args.mongodb_uri,
        tz_aware=True,
        serverSelectionTimeoutMS=5000,
        event_listeners=[traffic],
    )
    db = client[f"lingban_bench_{uuid.uuid4().hex[:8]}"]
    try:
        info = await client.admin.command("buildInfo")
        traits = await server_traits(db["raw_upserts"])
        server = f"MongoDB {info['version']}"
        if traits.ferretdb:
            server = "FerretDB (PostgreSQL)" if traits.compare_and_set else "FerretDB (SQLite)"
        events, seconds, written = await project(db, weeks, args.batch_size, traffic)
        latency = await overview_latency(db, 2026)
        sample = [
            d async for d in ReadModels(db, "bench").projects.find({}).limit(args.batch_size * 5)
        ]
        raw, raw_seconds = 0, 0.0
        if not args.no_raw:
            total = min(written, 200_000)
            raw, raw_seconds = await raw_upserts(db, sample, total, args.batch_size)
        projection_rate = events / seconds
        print()
        print(f"server:            {server} at {args.mongodb_uri}")
        print(f"scale:             {args.scale} ({events:,} events, {written:,} document writes)")
        print(f"projections:       {projection_rate:12,.0f} events/s   ({seconds:.1f} s)")
        if raw:
            raw_rate = raw / raw_seconds
            print(
                f"raw bulk upserts:  {raw_rate:12,.0f} upserts/s  ({raw:,} in {raw_seconds:.1f} s)"
            )
            print(f"ratio:             {projection_rate / raw_rate:12.0%} of the raw rate")
        p50, p95 = statistics.median(latency), sorted(latency)[int(len(latency) * 0.95) - 1]
        print(f"city overview:     p50 {p50 * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms")
        for line in traffic.report(events):
            print(line)
        stored = [d async for d in db[FIGURES].find({})]
        sizes = [len(bson.encode(d)) for d in stored]
        print(
            f"figure documents:  {len(stored):,} stored, {statistics.mean(sizes) / 1000:.2f} kB "
            f"on average, {max(sizes) / 1000:.2f} kB largest; "
            f"{statistics.mean(map(fields, stored)):.0f} fields on average"
        )
    finally:
        await client.drop_database(db.name)
        await client.close()


if __name__ == "__main__":
    asyncio.run(main())
