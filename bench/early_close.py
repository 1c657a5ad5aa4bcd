"""Benchmark: reads that stop before the last match, against the same read fully pushed down.

    .venv/bin/python bench/early_close.py --mongodb-uri mongodb://127.0.0.1:27018/
    .venv/bin/python bench/early_close.py --docs 25000 --size 20000   # a province of projects

FerretDB 1.24 pushes a limit down to PostgreSQL only for a find without a
filter; with one, it filters in memory and stops at the limit, but closing the
query read and discarded every remaining matching row first. So the outbox
relay's `find({outbox_pending: true}).limit(200)`, `update_one` on a non-unique
filter, or a cursor closed after its first batch cost as much as reading every
match (infra/ferretdb/patches/0005 cancels the query instead). This fills a
scratch collection with `--docs` documents of about `--size` bytes that all
match one indexed field, then times, in the same run:

- baseline: `find({}).limit(10)` (the limit pushed down) and `find_one` by `_id`;
- stopped early: `find({"group": "g"}).limit(10)`, `find_one({"group": "g"})`,
  `update_one({"group": "g"}, ...)`, and a cursor closed after its first batch of 10.

and prints each median and its ratio to the pushed-down find. Not a test. The
database is dropped afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # `bench.` imports below

from lingban_kit import mongo


async def median_ms(op: Callable[[], Awaitable[object]], repeat: int) -> float:
    took = []
    for _ in range(repeat):
        began = time.perf_counter()
        await op()
        took.append((time.perf_counter() - began) * 1000)
    return statistics.median(took)


async def run(args: argparse.Namespace) -> None:
    client = mongo.connect(args.mongodb_uri)
    name = f"bench_early_close_{uuid.uuid4().hex[:8]}"
    things = client[name]["things"]
    try:
        info = await client.admin.command("buildInfo")
        server = "FerretDB" if "ferretdbVersion" in info else f"MongoDB {info['version']}"
        await things.create_index("group")
        pad = "x" * args.size
        for start in range(0, args.docs, 500):
            batch = range(start, min(start + 500, args.docs))
            await things.insert_many([{"_id": i, "group": "g", "n": i, "pad": pad} for i in batch])

        async def closed_after_first_batch() -> None:
            cursor = things.find({"group": "g"}).batch_size(10)
            for _ in range(10):
                await cursor.next()
            await cursor.close()

        ops: dict[str, Callable[[], Awaitable[object]]] = {
            "find({}).limit(10) [limit pushed down]": lambda: things.find({}).limit(10).to_list(),
            "find_one by _id": lambda: things.find_one({"_id": args.docs // 2}),
            "find({group}).limit(10)": lambda: things.find({"group": "g"}).limit(10).to_list(),
            "find_one({group})": lambda: things.find_one({"group": "g"}),
            "update_one({group})": lambda: things.update_one({"group": "g"}, {"$inc": {"seen": 1}}),
            "cursor closed after 10": closed_after_first_batch,
        }
        results = {label: await median_ms(op, args.repeat) for label, op in ops.items()}
        base = next(iter(results.values()))
        print(f"{server}: {args.docs:,} matching documents of ~{args.size:,} bytes")
        for label, ms in results.items():
            print(f"  {label:42s} p50 {ms:9.1f} ms   {ms / base:7.1f}x")
    finally:
        await client.drop_database(name)
        await client.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--mongodb-uri", default="mongodb://127.0.0.1:27018/")
    parser.add_argument("--docs", type=int, default=5000)
    parser.add_argument("--size", type=int, default=10000, help="bytes of padding per document")
    parser.add_argument("--repeat", type=int, default=7)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
