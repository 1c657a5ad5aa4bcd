"""Sorted pages and date ranges on the running database.

A find with equality filters, a sort and a limit (an inbox page, a list's own
projects): on FerretDB, infra/ferretdb/patches/0007 has PostgreSQL sort it and return
only skip+limit documents instead of every match. A date range among flagged documents
(notices sent before a time): patches/0008 has PostgreSQL drop the documents out of
range instead of FerretDB decoding each. The answers must be what MongoDB answers:
ascending and descending keys, missing fields, ties broken by a second key, skips and
`$eq`; ranges over dates, arrays holding dates, nulls, numbers and strings."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from lingban_kit import mongo

pytestmark = pytest.mark.integration

DOCS = 400
SORTS: list[list[tuple[str, int]]] = [
    [("at", -1), ("_id", 1)],
    [("at", 1), ("_id", 1)],
    [("name", 1), ("_id", -1)],
    [("name", -1), ("_id", 1)],
    [("n", -1), ("_id", 1)],
    [("flag", 1), ("at", -1), ("_id", 1)],
    [("_id", -1)],
]


def _documents(rng: random.Random) -> list[dict[str, Any]]:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    docs: list[dict[str, Any]] = []
    for i in range(DOCS):
        doc: dict[str, Any] = {
            "_id": f"n{i:04d}",
            "recipient": rng.choice(["甲", "乙", "丙"]),
            "month": rng.choice(["2026-10", "2026-11"]),
            "flag": rng.random() < 0.5,
            "n": rng.randint(0, 30),
        }
        if rng.random() < 0.9:  # some have no `at` (sorts as null, below every value)
            doc["at"] = start + timedelta(minutes=rng.randint(0, 200))
        if rng.random() < 0.4:  # strings compare by their UTF-8 bytes
            doc["name"] = rng.choice(["Z", "a", "aa", "é", "填", "b"])
        docs.append(doc)
    return docs


def _bson_key(value: Any) -> tuple[int, Any]:
    if value is None:
        return (0, 0)
    if isinstance(value, str):
        return (1, value.encode())
    return (1, value)


def _reference(
    docs: list[dict[str, Any]], where: dict[str, Any], sort: list[tuple[str, int]]
) -> list[str]:
    def matches(doc: dict[str, Any]) -> bool:
        for key, wanted in where.items():
            value = wanted["$eq"] if isinstance(wanted, dict) else wanted
            if doc.get(key) != value:
                return False
        return True

    def by(key: str) -> Callable[[dict[str, Any]], tuple[int, Any]]:
        return lambda doc: _bson_key(doc.get(key))

    selected = [d for d in docs if matches(d)]
    for key, direction in reversed(sort):  # stable: the last key first
        selected.sort(key=by(key), reverse=direction == -1)
    return [d["_id"] for d in selected]


async def test_sorted_pages_of_equality_filters_answer_what_mongodb_answers(
    database: mongo.Database,
) -> None:
    rng = random.Random(7)
    docs = _documents(rng)
    things = database["things"]
    await things.insert_many([dict(d) for d in docs])
    # The dates come back without their zone: compare on naive UTC.
    for d in docs:
        if "at" in d:
            d["at"] = d["at"].replace(tzinfo=None)

    for _ in range(120):
        where: dict[str, Any] = {}
        if rng.random() < 0.8:
            where["recipient"] = rng.choice(["甲", "乙", "丙"])
        if rng.random() < 0.5:
            where["month"] = {"$eq": rng.choice(["2026-10", "2026-11"])}
        if rng.random() < 0.3:
            where["flag"] = rng.random() < 0.5
        sort = rng.choice(SORTS)
        skip, limit = rng.choice([0, 0, 3, 50]), rng.choice([1, 5, 20, 150])
        page = await things.find(where, {"_id": 1}).sort(sort).skip(skip).limit(limit).to_list()
        expected = _reference(docs, where, sort)[skip : skip + limit]
        assert [d["_id"] for d in page] == expected, (where, sort, skip, limit)


async def test_only_an_exact_filter_has_its_sort_and_limit_pushed_down_on_our_ferretdb(
    database: mongo.Database,
) -> None:
    """What reaches PostgreSQL: the sort and limit only when every condition is an
    equality PostgreSQL applies exactly (otherwise FerretDB filters in Go after the
    limit, and a page would come back short)."""
    things = database["things"]
    await things.insert_one({"_id": "x", "recipient": "甲", "n": 1})

    async def explained(where: dict[str, Any]) -> dict[str, Any]:
        reply: dict[str, Any] = await database.command(
            "explain",
            {"find": "things", "filter": where, "sort": {"at": -1, "_id": 1}, "limit": 20},
            verbosity="queryPlanner",
        )
        return reply

    exact = await explained({"recipient": "甲", "month": {"$eq": "2026-11"}, "flag": True})
    if "ferretdbVersion" not in exact.get("serverInfo", {}):
        pytest.skip("not FerretDB: MongoDB sorts and limits in its own plan")
    assert exact["sortPushdown"] is True
    assert exact["limitPushdown"] is True
    for inexact in (
        {"recipient": "甲", "n": {"$gte": 1}},  # a range: filtered in Go
        {"recipient": {"$in": ["甲", "乙"]}},
        {"meta.recipient": "甲"},  # a path
        {"n": 1.5},  # a double: numbers out of the safe range are pushed as ranges
    ):
        reply = await explained(inexact)
        assert reply["limitPushdown"] is False, inexact
        assert reply["sortPushdown"] is False, inexact


def _in_range(value: Any, bounds: dict[str, datetime]) -> bool:
    """MongoDB's date comparison: dates only (no numbers, strings or null), any
    element of an array."""
    if isinstance(value, list):
        return any(_in_range(v, bounds) for v in value)
    if not isinstance(value, datetime):
        return False
    checks = {
        "$lt": lambda t: value < t,
        "$lte": lambda t: value <= t,
        "$gt": lambda t: value > t,
        "$gte": lambda t: value >= t,
    }
    return all(checks[op](t) for op, t in bounds.items())


async def test_date_ranges_answer_what_mongodb_answers(database: mongo.Database) -> None:
    rng = random.Random(11)
    start = datetime(2026, 1, 1)
    docs: list[dict[str, Any]] = []
    for i in range(300):
        doc: dict[str, Any] = {"_id": i, "awaiting": rng.random() < 0.7}
        kind = rng.choice(["date", "date", "date", "array", "missing", "null", "int", "str"])
        if kind == "date":
            doc["sent_at"] = start + timedelta(hours=rng.randint(0, 100))
        elif kind == "array":
            doc["sent_at"] = [start + timedelta(hours=rng.randint(0, 100)), "x"]
        elif kind == "null":
            doc["sent_at"] = None
        elif kind == "int":  # a number is no date, however small
            doc["sent_at"] = rng.randint(0, 2**40)
        elif kind == "str":
            doc["sent_at"] = "2026-01-02"
        docs.append(doc)
    things = database["things"]
    await things.insert_many([dict(d) for d in docs])

    for _ in range(80):
        op = rng.choice(["$lt", "$lte", "$gt", "$gte"])
        bounds = {op: start + timedelta(hours=rng.randint(0, 100))}
        if rng.random() < 0.3:  # a window: both ends
            other = "$lt" if op.startswith("$g") else "$gt"
            bounds[other] = start + timedelta(hours=rng.randint(0, 100))
        found = await things.find({"awaiting": True, "sent_at": dict(bounds)}).to_list()
        expected = [d["_id"] for d in docs if d["awaiting"] and _in_range(d.get("sent_at"), bounds)]
        assert sorted(d["_id"] for d in found) == sorted(expected), bounds

    reply = await database.command(
        "explain",
        {"find": "things", "filter": {"awaiting": True, "sent_at": {"$lte": start}}},
        verbosity="queryPlanner",
    )
    if "ferretdbVersion" in reply.get("serverInfo", {}):
        # Patch 0008: the range is part of what PostgreSQL applies, not only Go.
        assert "jsonb_typeof" in str(reply["queryPlanner"]), reply["queryPlanner"]
