"""Benchmark: the dispatcher's due queries as notices are put off for later.

    .venv/bin/python bench/due_query.py --mongodb-uri mongodb://127.0.0.1:27018/

Each dispatcher pass starts with `claim_due`'s query. Only its flag is an indexed
equality (FerretDB on PostgreSQL serves no range with an index), so the database
reads every notice the flag selects and checks its time. Notices are put off for
later during the recipient's quiet hours (e-mail, SMS and webhooks wait for their
end) and after a long retry backoff: overnight, or after a gateway outage, there
can be tens of thousands. Every pass reads `due_soon_filter` (what was put off is
not flagged), and a full pass, at most a minute apart, reads `due_filter` (every
open notice). This measures both with a fixed set of due notices while the
put-off ones grow. In the same run and on the same collection, the raw baseline:
an indexed equality on a flag only the due notices carry, the cost of a query
that reads only what is due. Not a test: speed goals live here.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # `bench.` imports below

from pymongo import AsyncMongoClient

from bench.notice_inserts import notice
from lingban_contracts.events.notifications import Channel
from lingban_kit import mongo
from lingban_notifications.notifications.domain import Notification
from lingban_notifications.notifications.repository import (
    NOTIFICATIONS,
    MongoNotificationRepository,
    due_filter,
    due_soon_filter,
    ensure_notification_indexes,
)

CLAIM_FIELDS = {"_id": 1, "claim": 1, "claim_until": 1}  # what `claim_due` reads
BASELINE_FLAG = "bench_due"


def sms_notice(number: int, now: datetime, wait: timedelta | None) -> Notification:
    """Due a minute ago, or, with `wait`, deferred (as quiet hours do) until `now + wait`."""
    n = notice(number, now - timedelta(minutes=1), (Channel.SMS,))
    if wait is not None:
        n.defer(Channel.SMS, now + wait, now)
    return n


async def query_ms(coll: mongo.Collection, query: mongo.Document, repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        await coll.find(query, CLAIM_FIELDS).to_list(None)
        times.append((time.perf_counter() - started) * 1000)
    return times


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mongodb-uri", default=os.environ.get("MONGODB_URI", ""))
    parser.add_argument("--due", type=int, default=50)
    parser.add_argument("--waiting", default="0,1000,5000,20000", help="cumulative levels")
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()
    if not args.mongodb_uri:
        parser.error("--mongodb-uri (or MONGODB_URI) is required")
    levels = [int(x) for x in args.waiting.split(",")]
    client: AsyncMongoClient[mongo.Document] = AsyncMongoClient(args.mongodb_uri)
    name = f"bench_due_{uuid.uuid4().hex[:8]}"
    now = datetime.now(UTC)
    try:
        db = client[name]
        await ensure_notification_indexes(db)
        coll = db[NOTIFICATIONS]
        await coll.create_index(BASELINE_FLAG)
        repo = MongoNotificationRepository(db)
        await repo.add_many([sms_notice(i, now, None) for i in range(args.due)])
        await coll.update_many({}, {"$set": {BASELINE_FLAG: True}})
        print(f"due notices: {args.due}; query repeated {args.repeats} times", file=sys.stderr)
        print(
            "put off   every pass p50 / p95 ms   full pass p50 / p95 ms   baseline p50 ms"
            "   every pass / baseline   full pass per put-off notice"
        )
        stored = 0
        for level in levels:
            batch = [
                sms_notice(args.due + i, now, timedelta(hours=10)) for i in range(stored, level)
            ]
            for start in range(0, len(batch), 1000):
                await repo.add_many(batch[start : start + 1000])
            stored = level
            for query in (due_filter(now), due_soon_filter(now)):
                found = await coll.find(query, CLAIM_FIELDS).to_list(None)
                assert len(found) == args.due, (query, len(found), args.due)
            soon = await query_ms(coll, due_soon_filter(now), args.repeats)
            full = await query_ms(coll, due_filter(now), args.repeats)
            base = await query_ms(coll, {BASELINE_FLAG: True}, args.repeats)
            s50, s95 = statistics.median(soon), statistics.quantiles(soon, n=20)[-1]
            f50, f95 = statistics.median(full), statistics.quantiles(full, n=20)[-1]
            b50 = statistics.median(base)
            extra = f"{(f50 - b50) * 1000 / level:6.1f} µs" if level else "     —"
            print(
                f"{level:7,}   {s50:10.1f} / {s95:6.1f}       {f50:9.1f} / {f95:6.1f}"
                f"       {b50:8.1f}          {s50 / b50:5.1f}x              {extra}"
            )
    finally:
        await client.drop_database(name)
        await client.close()


if __name__ == "__main__":
    asyncio.run(main())
