"""Benchmark: a sweep's notices inserted one by one vs in bulk vs raw `insert_many`.

    .venv/bin/python bench/notice_inserts.py --mongodb-uri mongodb://127.0.0.1:27018/ --count 5000

A reminder sweep creates thousands of notices at once (a Monday morning on a
province-sized year: about 100,000). `Planner.create` stores them with
`NotificationRepository.add_many`: the repository's bulk form (unordered
`insert_many` of `INSERTS_PER_COMMAND`) against the port's default (one `add`,
one round trip, each), which is what a sweep did before. In the same run and on
the same server, the raw baseline: `insert_many` of the very same documents into a
bare collection (no indexes besides `_id`, no inbox months). Each form writes into
a fresh scratch database. Not a test: speed goals live here.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
import uuid
from collections.abc import Awaitable
from datetime import UTC, datetime

from pymongo import AsyncMongoClient

from lingban_contracts.events.notifications import Channel
from lingban_kit import mongo
from lingban_notifications.notifications.domain import Notification
from lingban_notifications.notifications.repository import (
    MongoNotificationRepository,
    NotificationRepository,
    ensure_notification_indexes,
    new_document,
)

RECIPIENTS = 500  # a province's secretaries a sweep reaches, roughly one notice each per rule


def notice(
    number: int, now: datetime, channels: tuple[Channel, ...] = (Channel.INBOX, Channel.SMS)
) -> Notification:
    """A sweep's weekly-report warning to one of `RECIPIENTS` secretaries."""
    return Notification.create(
        rule_id="weekly-report-missing",
        kind="deadline_warning",
        recipient_id=f"secretary:{number % RECIPIENTS:06d}",
        recipient_kind="secretary",
        recipient_name="书记",
        unit_code=f"{number % RECIPIENTS:012d}",
        subject_type="project",
        subject_id=f"p{number}",
        subject_unit_code=f"{number % RECIPIENTS:012d}",
        period="2026-W48",
        title={"zh": "本周周报未报", "en": "Weekly report missing"},
        body={
            "zh": "项目本周尚未提交周报，请于今日内提交。" * 3,
            "en": "Report due today." * 3,
        },
        link=f"https://lingban.example/projects/p{number}",
        requires_ack=False,
        channels=list(channels),
        now=now,
    )


def notices(count: int, now: datetime) -> list[Notification]:
    return [notice(n, now) for n in range(count)]


async def timed(label: str, run: Awaitable[object]) -> float:
    started = time.perf_counter()
    await run
    seconds = time.perf_counter() - started
    print(f"  {label}: {seconds:.2f} s", file=sys.stderr)
    return seconds


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mongodb-uri", default=os.environ.get("MONGODB_URI", ""))
    parser.add_argument("--count", type=int, default=5000)
    args = parser.parse_args()
    if not args.mongodb_uri:
        parser.error("--mongodb-uri (or MONGODB_URI) is required")
    client: AsyncMongoClient[mongo.Document] = AsyncMongoClient(args.mongodb_uri)
    now = datetime.now(UTC)
    names = {
        form: f"bench_notices_{form}_{uuid.uuid4().hex[:8]}" for form in ("one", "bulk", "raw")
    }
    try:
        seconds: dict[str, float] = {}
        for form in ("one", "bulk"):
            db = client[names[form]]
            await ensure_notification_indexes(db)
            repo = MongoNotificationRepository(db)
            batch = notices(args.count, now)
            # The port's default `add_many` (one `add` each) is the sweep before bulk.
            insert = (
                NotificationRepository.add_many(repo, batch)
                if form == "one"
                else repo.add_many(batch)
            )
            seconds[form] = await timed(form, insert)
            assert await db["notifications"].count_documents({}) == args.count
        raw = client[names["raw"]]["notifications"]
        docs = [new_document(n) for n in notices(args.count, now)]

        async def raw_inserts() -> None:
            for start in range(0, len(docs), 100):
                await raw.insert_many(docs[start : start + 100], ordered=False)

        seconds["raw"] = await timed("raw", raw_inserts())
    finally:
        for name in names.values():
            await client.drop_database(name)
        await client.close()
    rate = {form: args.count / s for form, s in seconds.items()}
    print(f"notices:                 {args.count:,}")
    print(f"one insert each:         {rate['one']:8,.0f} notices/s")
    print(
        f"bulk (add_many):         {rate['bulk']:8,.0f} notices/s  ({rate['bulk'] / rate['one']:.1f}x one each)"
    )
    print(
        f"raw insert_many:         {rate['raw']:8,.0f} notices/s  (bulk at {rate['bulk'] / rate['raw']:.0%} of raw)"
    )


if __name__ == "__main__":
    asyncio.run(main())
