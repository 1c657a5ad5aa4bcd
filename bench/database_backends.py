"""Benchmark: the projects service's own database work on each MongoDB-wire backend, by size.

    # FerretDB on PostgreSQL (the default; `make up` or the test servers running):
    .venv/bin/python bench/database_backends.py --uri postgresql=mongodb://127.0.0.1:27018/
    # ...and FerretDB on SQLite beside it, started by the benchmark itself:
    .venv/bin/python bench/database_backends.py --uri postgresql=mongodb://127.0.0.1:27018/ \
        --sqlite --sizes 1000,25000

For each backend and each size it fills a scratch database with that many
projects through the real repository (`MongoProjectRepository.add`, the
projects' own documents, outbox included, with the service's indexes), then
times the operations a command, the relay and a list run: load one project by
id, save a state change (version-checked update + outbox push), list a unit's
projects of the year, and find pending outbox documents. It prints the median
of each, and the ratio between the largest and smallest size: a backend whose
cost per operation grows with the data shows a ratio far above 1. Not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path

from devstack import mongo as devstack_mongo
from lingban_contracts import Actor
from lingban_contracts.divisions import Level, default_tree
from lingban_contracts.events.projects import StageTask
from lingban_kit import mongo
from lingban_kit.outbox import PENDING, ensure_outbox_index
from lingban_projects.projects.domain import Declaration, Project
from lingban_projects.projects.repository import PROJECTS_COLLECTION, MongoProjectRepository, Where

YEAR = 2031
NOW = datetime(YEAR, 2, 1, tzinfo=UTC)
ACTOR = Actor(id="bench", name="基准测试")


def _declaration(rng: random.Random, year: int) -> Declaration:
    first, last = rng.randint(3, 4), rng.randint(10, 12)
    return Declaration(
        title="老旧小区加装电梯",
        category="小区治理",
        problem="老人上下楼难，群众反映强烈",
        expected_goals="年底前问题实质性解决，群众满意度 90% 以上",
        evaluation_criteria="治理成效明显、难点问题解决、既定计划完成",
        lead_secretary="张书记",
        task_force=("专班成员甲", "专班成员乙"),
        deadline=date(year, last, 28),
        stage_tasks=tuple(
            StageTask(month=f"{year}-{m:02d}", task=f"第 {m} 月阶段任务", deliverable="阶段台账")
            for m in range(first, last + 1)
        ),
    )


async def _indexes(db: mongo.Database) -> None:
    # The service's own indexes, as created at its start.
    from lingban_projects.projects import repository

    class _Runtime:
        def __init__(self, database: mongo.Database) -> None:
            self.db = database

    await repository.ensure_indexes(_Runtime(db))  # type: ignore[arg-type]
    await ensure_outbox_index(db[PROJECTS_COLLECTION])


async def _fill(repo: MongoProjectRepository, units: list[str], upto: int, have: int) -> list[str]:
    rng = random.Random(have)
    ids: list[str] = []
    queue = asyncio.Queue[int]()
    for i in range(have, upto):
        queue.put_nowait(i)

    async def worker() -> None:
        while not queue.empty():
            i = queue.get_nowait()
            # One project per unit and year, as in real life: later ones go to later years.
            year = YEAR + i // len(units)
            project = Project.declare(
                units[i % len(units)], year, _declaration(rng, year), ACTOR, NOW
            )
            await repo.add(project)
            # Published already: only a few documents carry pending events.
            await repo.collection.update_one(
                {"_id": project.id}, {"$set": {"outbox": [], "outbox_pending": False}}
            )
            ids.append(project.id)
            if len(ids) % 500 == 0:
                print(f"\r    filled {have + len(ids):,}/{upto:,}", end="", file=sys.stderr)

    await asyncio.gather(*(worker() for _ in range(8)))
    print(file=sys.stderr)
    return ids


async def _median_ms(
    operation: Callable[[], Awaitable[object]], count: int, budget_s: float
) -> float:
    timings: list[float] = []
    deadline = time.monotonic() + budget_s
    while len(timings) < count and time.monotonic() < deadline:
        started = time.perf_counter()
        await operation()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def _operations(
    repo: MongoProjectRepository,
    units: list[str],
    ids: list[str],
    drafts: Iterator[str],
    rng: random.Random,
) -> dict[str, Callable[[], Awaitable[object]]]:
    """What a command, a list and the relay do, each as one timed operation."""

    async def get() -> object:
        return await repo.get(rng.choice(ids))

    async def save() -> object:
        project = await repo.get(next(drafts))
        assert project is not None
        expected = project.version
        project.submit("340881100000", ACTOR, NOW)
        await repo.save(project, expected)
        return project

    async def unit_year() -> object:
        return await repo.matching(Where(rng.choice(units), year=YEAR))

    async def pending() -> object:
        return await repo.collection.find(PENDING).limit(200).to_list()

    return {
        "get by id": get,
        "save (update + outbox)": save,
        "unit's projects of a year": unit_year,
        "pending outbox documents": pending,
    }


async def measure(uri: str, sizes: list[int], count: int) -> dict[int, dict[str, float]]:
    client = mongo.connect(uri)
    db = client[f"bench_backends_{uuid.uuid4().hex[:8]}"]
    units = [u.code for u in default_tree() if u.level is Level.VILLAGE]
    rng = random.Random(1)
    results: dict[int, dict[str, float]] = {}
    try:
        await _indexes(db)
        repo = MongoProjectRepository(db)
        ids: list[str] = []
        for size in sizes:
            ids += await _fill(repo, units, size, len(ids))
            drafts = iter(rng.sample(ids, min(len(ids), count * 2)))
            results[size] = {
                name: await _median_ms(operation, count, 20)
                for name, operation in _operations(repo, units, ids, drafts, rng).items()
            }
            # The saves left pending events: publish them, as the relay would.
            await repo.collection.update_many(PENDING, {"$set": {"outbox_pending": False}})
    finally:
        await client.drop_database(db.name)
        await client.close()
    return results


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_sqlite_ferretdb() -> tuple[subprocess.Popen[bytes], str, Path]:
    binary = devstack_mongo.ensure_ferretdb_binary("sqlite")  # built with its SQLite backend
    folder = Path(tempfile.mkdtemp(prefix="lingban-bench-sqlite-"))
    port = _free_port()
    process = subprocess.Popen(
        [
            str(binary),
            "-listen-addr",
            f"127.0.0.1:{port}",
            "-sqlite-dir",
            str(folder / "data"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    return process, f"mongodb://127.0.0.1:{port}/", folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--uri", action="append", default=[], metavar="LABEL=URI")
    parser.add_argument("--sqlite", action="store_true", help="also FerretDB on SQLite")
    parser.add_argument("--sizes", default="1000,25000")
    parser.add_argument("--count", type=int, default=100, help="operations per median")
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    backends = [tuple(item.split("=", 1)) for item in args.uri]
    sqlite = None
    if args.sqlite:
        sqlite = start_sqlite_ferretdb()
        backends.append(("sqlite", sqlite[1]))
    if not backends:
        parser.error("name at least one --uri or --sqlite")
    try:
        for label, uri in backends:
            print(f"{label} ({uri})", file=sys.stderr)
            results = asyncio.run(measure(uri, sizes, args.count))
            print(f"\n{label}: median ms per operation")
            header = "".join(f"{size:>12,}" for size in sizes)
            print(f"  {'operation':<28}{header}{'ratio':>10}")
            for op in results[sizes[0]]:
                row = "".join(f"{results[size][op]:>12.2f}" for size in sizes)
                ratio = results[sizes[-1]][op] / results[sizes[0]][op]
                print(f"  {op:<28}{row}{ratio:>9.1f}x")
    finally:
        if sqlite is not None:
            sqlite[0].terminate()
            sqlite[0].wait(10)
            shutil.rmtree(sqlite[2], ignore_errors=True)


if __name__ == "__main__":
    main()
