"""Benchmark: a project stored with its long lists as JSON text, against the same
project stored with them nested (the form before), on the running database.

    .venv/bin/python bench/stored_form.py                          # the dev stack's projects
    .venv/bin/python bench/stored_form.py --docs 300 --repeat 3

FerretDB keeps a type schema beside every nested value and decodes and re-encodes
all of it on every read and write; the projects service stores `PACKED` lists as
text (`lingban_projects.projects.repository`). This copies `--docs` stored projects
(in execution, the largest) from the projects service's collection into two scratch
collections of a scratch database, one as stored now and one with the lists nested,
then times, in the same run, `find_one` by `_id` and an `update_one` by `_id` on
each, and prints the medians and the ratio nested / packed. Not a test. The scratch
database is dropped afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
import uuid
from collections.abc import Awaitable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # `bench.` imports below

import bson

from lingban_kit import mongo
from lingban_kit.outbox import OUTBOX_FIELD, PENDING_FLAG
from lingban_projects.projects.domain import Status
from lingban_projects.projects.repository import (
    PROJECTS_COLLECTION,
    from_document,
    status_filter,
    to_document,
    unpacked,
)


async def timed(op: Awaitable[object]) -> float:
    began = time.perf_counter()
    await op
    return (time.perf_counter() - began) * 1000


async def run(args: argparse.Namespace) -> int:
    client = mongo.connect(args.mongodb_uri)
    source = client[args.database][PROJECTS_COLLECTION]
    stored = await source.find(
        status_filter(Status.IN_EXECUTION), {OUTBOX_FIELD: 0, PENDING_FLAG: 0}
    ).to_list(args.docs)
    if not stored:
        print(f"no project in execution in {args.database}.{PROJECTS_COLLECTION}: `make up` first")
        return 2
    packed = [to_document(from_document(d)) for d in stored]
    nested = [unpacked(d) for d in packed]
    scratch = client[f"bench_stored_form_{uuid.uuid4().hex[:8]}"]
    try:
        info = await client.admin.command("buildInfo")
        server = "FerretDB" if "ferretdbVersion" in info else f"MongoDB {info['version']}"
        forms = {"nested (before)": nested, "packed (now)": packed}
        for name, docs in forms.items():
            await scratch[name].insert_many(docs)
        finds: dict[str, list[float]] = {name: [] for name in forms}
        updates: dict[str, list[float]] = {name: [] for name in forms}
        for round_ in range(args.repeat):
            for name, docs in forms.items():  # side by side, round after round
                coll = scratch[name]
                for doc in docs:
                    finds[name].append(await timed(coll.find_one({"_id": doc["_id"]})))
                    updates[name].append(
                        await timed(
                            coll.update_one({"_id": doc["_id"]}, {"$set": {"round": round_}})
                        )
                    )
        size = {
            name: statistics.mean(len(bson.encode(d)) for d in docs) for name, docs in forms.items()
        }
        print(f"{server}: {len(stored)} projects in execution, {args.repeat} rounds")
        for name in forms:
            print(
                f"  {name:16s} {size[name]:8,.0f} B BSON   find_one p50 "
                f"{statistics.median(finds[name]):6.2f} ms   update_one p50 "
                f"{statistics.median(updates[name]):6.2f} ms"
            )
        before, now = forms
        print(
            f"  nested / packed: find_one {statistics.median(finds[before]) / statistics.median(finds[now]):.1f}x, "
            f"update_one {statistics.median(updates[before]) / statistics.median(updates[now]):.1f}x"
        )
        return 0
    finally:
        await client.drop_database(scratch.name)
        await client.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mongodb-uri", default="mongodb://127.0.0.1:27017/")
    parser.add_argument("--database", default="lingban", help="the projects service's database")
    parser.add_argument("--docs", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    sys.exit(asyncio.run(run(parser.parse_args())))


if __name__ == "__main__":
    main()
