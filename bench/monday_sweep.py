"""Benchmark: a Monday morning, one scheduler tick over every live project, then dispatch.

    .venv/bin/python bench/monday_sweep.py --mongodb-uri mongodb://127.0.0.1:27018/ --projects 25000

Every Monday at 09:30 the missing-weekly-report check looks at every project in
execution, so nearly the whole year is filed under that slot (docs/notifications.md,
"Due slots"). This fills a scratch database with `--projects` projects in execution
across the demo city's villages (the reminder subjects the service projects from
project events, filed under Monday 09:30, the scheduler's state saying Sunday was
ticked), then, with the clock at Monday 09:31, times:

- **the tick**: `Scheduler.tick` through the service's own wiring: read the due
  projects a township at a time, evaluate them, create their notices in bulk, file
  each project under its next slot;
- **the dispatch**: `Dispatcher.run_once` until nothing is due: every notice's inbox
  delivery, and one SMS digest per secretary through a gateway that accepts at once
  (the SMS provider is the one stand-in: an outside service). The secretaries take
  the inbox and SMS; e-mail is not configured here.

The baseline, same run and server: raw `find` of the same subject documents, raw
`insert_many` (100 per command) of copies of the very notices the tick created into a
bare collection, and a raw `update_one` by `_id` of each copy (what a pass's record
write is at least). Not a test: speed goals live here. The relay that publishes the
notices' events to Kafka does not run here; its cost is the load benchmark's.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
import uuid
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any

from pymongo import AsyncMongoClient

from lingban_contracts.divisions import DivisionTree, Level, default_tree
from lingban_contracts.events.notifications import Channel
from lingban_kit import mongo
from lingban_kit.auth import DEV_JWT_SECRET
from lingban_kit.clock import LOCAL_ZONE, FixedClock
from lingban_notifications.delivery.sms import SmsProvider
from lingban_notifications.directory.demo import demo_directory
from lingban_notifications.directory.repository import ensure_directory_indexes
from lingban_notifications.notifications.repository import (
    NOTIFICATIONS,
    ensure_notification_indexes,
)
from lingban_notifications.rules.loader import load_rules
from lingban_notifications.scheduling.due import sweep_key
from lingban_notifications.scheduling.scheduler import STATE
from lingban_notifications.settings import NotificationsSettings
from lingban_notifications.subjects.tracking import DUE_AT, SUBJECTS, ensure_subject_indexes
from lingban_notifications.wiring import Wiring, channel_senders

# Monday 30 November 2026, a working day, just after the weekly check's 09:30.
MONDAY = date(2026, 11, 30)
TICK_AT = datetime(2026, 11, 30, 9, 31, tzinfo=LOCAL_ZONE).astimezone(UTC)
SLOT = "2026-11-30T09:30"
LAST_WEEK = "2026-W48"  # the week that ended on Sunday 29 November
MONTHS = [f"2026-{m:02d}" for m in range(1, 13)]


class AcceptingGateway(SmsProvider):
    """An SMS gateway that answers at once: the dispatch's own cost, not a gateway's."""

    def __init__(self) -> None:
        self.sent: Counter[str] = Counter()  # messages per phone

    async def send(self, phone: str, text: str, key: str | None = None) -> None:
        self.sent[phone] += 1


def subject(number: int, unit_code: str) -> dict[str, Any]:
    """A project in execution as the service tracks it. A third missed last week's report
    (the Monday check); a fifth has October's stage unreported (overdue)."""
    reported = {m for m in MONTHS if m < "2026-11"} - ({"2026-10"} if number % 5 == 0 else set())
    weeks = [f"2026-W{w:02d}" for w in range(10, 49) if not (w == 48 and number % 3 == 0)]
    return {
        "_id": f"bench-{number:06d}",
        "unit_code": unit_code,
        "year": 2026,
        "title": f"第 {number} 号书记领办项目",
        "status": "in_execution",
        "stages": {
            m: {
                "tasks": [{"task": f"{m} 阶段任务", "owner": "专班", "deliverable": "台账"}],
                "reported": m in reported,
                "completed": m in reported,
            }
            for m in MONTHS
        },
        "weeks": weeks,
        "submitted_on": None,
        "reviewer_unit": None,
        "revision": 1,
        "execution_started_on": "2026-03-02",
        "version": 20,
        DUE_AT: SLOT,
    }


def subjects(count: int, tree: DivisionTree) -> list[dict[str, Any]]:
    villages = [u.code for u in tree if u.level is Level.VILLAGE]
    return [subject(n, villages[n % len(villages)]) for n in range(count)]


async def timed(label: str, seconds: dict[str, float], run: Any) -> Any:
    started = time.perf_counter()
    result = await run
    seconds[label] = time.perf_counter() - started
    print(f"  {label}: {seconds[label]:.1f} s", file=sys.stderr)
    return result


async def seed(db: mongo.Database, wiring: Wiring, docs: list[dict[str, Any]]) -> None:
    await ensure_notification_indexes(db)
    await ensure_directory_indexes(db)
    await ensure_subject_indexes(db)
    # Secretaries take SMS too, as a city sets its directory up (the demo's inbox only).
    await wiring.directory.put(
        [
            r.model_copy(update={"channels": [Channel.INBOX, Channel.SMS]}) if r.phone else r
            for r in demo_directory(wiring.tree)
        ]
    )
    for start in range(0, len(docs), 1000):
        await db[SUBJECTS].insert_many(docs[start : start + 1000], ordered=False)
    key = sweep_key(await wiring.rules.current(), await wiring.directory.all(), wiring.tree)
    sunday = (MONDAY - timedelta(days=1)).isoformat()
    await db[STATE].insert_one({"_id": "scheduler", "due_through": sunday, "sweep_key": key})


async def dispatch_all(wiring: Wiring, clock: FixedClock) -> int:
    dispatcher = wiring.dispatcher()
    passes = 0
    while await dispatcher.run_once():
        passes += 1
    # A pass after the last full one may leave put-off notices: none are due by now.
    clock.set(clock.now() + timedelta(minutes=2))
    while await dispatcher.run_once():
        passes += 1
    return passes


async def baseline(
    client: AsyncMongoClient[mongo.Document], db: mongo.Database, seconds: dict[str, float]
) -> None:
    raw_db = client[f"{db.name}_raw"]
    try:
        await timed("raw find of the subjects", seconds, db[SUBJECTS].find({}).to_list())
        copies = await db[NOTIFICATIONS].find({}).to_list()

        async def inserts() -> None:
            for start in range(0, len(copies), 100):
                await raw_db["notices"].insert_many(copies[start : start + 100], ordered=False)

        async def updates() -> None:
            for d in copies:
                await raw_db["notices"].update_one({"_id": d["_id"]}, {"$set": {"sent": True}})

        await timed("raw insert_many of the notices", seconds, inserts())
        await timed("raw update_one of each notice", seconds, updates())
    finally:
        await client.drop_database(raw_db.name)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mongodb-uri", default=os.environ.get("MONGODB_URI", ""))
    parser.add_argument("--projects", type=int, default=5000)
    args = parser.parse_args()
    if not args.mongodb_uri:
        parser.error("--mongodb-uri (or MONGODB_URI) is required")
    name = f"bench_monday_{uuid.uuid4().hex[:8]}"
    settings = NotificationsSettings(
        mongodb_uri=args.mongodb_uri, mongodb_database=name, auth_jwt_secret=DEV_JWT_SECRET
    )
    clock = FixedClock(TICK_AT)
    gateway = AcceptingGateway()
    wiring = Wiring(
        settings=settings,
        clock=clock,
        tree=default_tree(),
        file_rules=load_rules(settings.rules_file),
        senders=channel_senders(settings, gateway),
    )
    client = mongo.connect(args.mongodb_uri)  # tz-aware, as the service reads
    db = client[name]
    wiring.bind(db)
    seconds: dict[str, float] = {}
    try:
        print(f"seeding {args.projects:,} projects into {name}", file=sys.stderr)
        await seed(db, wiring, subjects(args.projects, wiring.tree))
        created = await timed("tick", seconds, wiring.scheduler().tick())
        passes = await timed("dispatch", seconds, dispatch_all(wiring, clock))
        still_open = await db[NOTIFICATIONS].count_documents({"open": True})
        outcomes: Counter[str] = Counter()
        async for d in db[NOTIFICATIONS].find({}, {"deliveries": 1}):
            for channel, delivery in d["deliveries"].items():
                outcomes[f"{channel} {delivery['status']}"] += 1
        refiled = await db[SUBJECTS].count_documents({DUE_AT: SLOT})
        await baseline(client, db, seconds)
    finally:
        await client.drop_database(name)
        await client.close()
    rules = Counter(n.rule_id for n in created)
    count = len(created)
    print(f"projects in execution:   {args.projects:,}")
    print(
        f"notices created:         {count:,}  ({', '.join(f'{r} {c:,}' for r, c in rules.most_common())})"
    )
    print(
        f"tick:                    {seconds['tick']:6.1f} s  ({count / seconds['tick']:,.0f} notices/s)"
    )
    print(
        f"dispatch:                {seconds['dispatch']:6.1f} s  ({passes} passes, {count / seconds['dispatch']:,.0f} notices/s)"
    )
    print(
        f"deliveries:              {', '.join(f'{k} {v:,}' for k, v in sorted(outcomes.items()))}"
    )
    per_phone = sorted(gateway.sent.values())
    if per_phone:
        print(
            f"SMS messages sent:       {sum(per_phone):,} to {len(per_phone)} phones "
            f"(per phone: median {per_phone[len(per_phone) // 2]}, max {per_phone[-1]})"
        )
    print(f"left open, left at 09:30: {still_open:,}, {refiled:,}")
    raw = seconds["raw find of the subjects"] + seconds["raw insert_many of the notices"]
    print(f"raw find + insert_many:  {raw:6.1f} s  (the tick at {seconds['tick'] / raw:.1f}x)")
    print(
        f"raw update_one each:     {seconds['raw update_one of each notice']:6.1f} s  "
        f"(the dispatch at {seconds['dispatch'] / seconds['raw update_one of each notice']:.1f}x)"
    )


if __name__ == "__main__":
    asyncio.run(main())
