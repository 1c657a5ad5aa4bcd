"""Reads that stop before the last match, on the running database: a limit, a single
match for an update, a cursor closed after its first batch. On FerretDB these close
the server's query early (infra/ferretdb/patches/0005 cancels it instead of reading
every remaining row); what they answer, and every operation after them, must stay
right, and the cancel is no error in the server's log (0006). How long they take is
for bench/early_close.py."""

from __future__ import annotations

import shutil

import pytest

from devstack import paths
from lingban_kit import mongo

pytestmark = pytest.mark.integration

DOCS = 300


async def test_reads_closed_early_answer_right_and_leave_the_server_usable(
    database: mongo.Database,
) -> None:
    things = database["things"]
    await things.insert_many(
        [{"_id": i, "group": "g", "n": i, "pad": "填" * 500} for i in range(DOCS)]
    )
    await things.insert_one({"_id": "other", "group": "h", "n": -1})
    for round_ in range(15):
        few = await things.find({"group": "g"}, {"n": 1}).limit(3).to_list()
        assert len(few) == 3
        assert all(0 <= d["n"] < DOCS for d in few)
        one = await things.find_one({"group": "g", "n": {"$gte": 100}})
        assert one is not None
        assert one["n"] >= 100
        bumped = await things.update_one({"group": "g", "n": {"$gte": 200}}, {"$inc": {"seen": 1}})
        assert bumped.modified_count == 1
        cursor = things.find({"group": "g"}).batch_size(10)
        first = [await cursor.next() for _ in range(10)]
        await cursor.close()
        assert len({d["_id"] for d in first}) == 10
        assert await things.find_one({"_id": "other"}) == {"_id": "other", "group": "h", "n": -1}
        assert await things.find_one({"_id": round_}) is not None
    # Every update landed once, and nothing else changed.
    seen = await things.find({"seen": {"$exists": True}}, {"seen": 1}).to_list()
    assert sum(d["seen"] for d in seen) == 15
    assert all(d["_id"] in range(200, DOCS) for d in seen)
    assert await things.count_documents({"group": "g"}) == DOCS
    everything = await things.find({"group": "g"}, {"n": 1}).to_list()
    assert sorted(d["n"] for d in everything) == list(range(DOCS))


async def test_a_read_closed_early_logs_no_error_on_our_ferretdb(database: mongo.Database) -> None:
    """Patch 0006: the cancel that ends an early-closed read is the normal end of such a
    read, not an error for an operator to chase (each list page ends a few this way)."""
    log = paths.logs_dir("test") / "mongo.log"
    if shutil.which("mongod") is not None or not log.is_file():
        pytest.skip("not devstack's FerretDB: a mongod, or an external server")
    things = database["things"]
    await things.insert_many([{"_id": i, "group": "g", "pad": "填" * 500} for i in range(DOCS)])
    before = log.read_text(errors="replace").count("context canceled")

    for _ in range(5):
        assert len(await things.find({"group": "g"}).limit(3).to_list()) == 3
        assert await things.find_one({"group": "g"}) is not None

    assert log.read_text(errors="replace").count("context canceled") == before
