"""`explain` on the real test database tells an indexed query from a scan.

The check every hot-path query test relies on, so it must be able to fail:
the same collection answers "scan" for a filter no index covers.
"""

from __future__ import annotations

import pytest

from lingban_kit.explain import assert_indexed, explain_find
from lingban_kit.mongo import Database
from lingban_kit.outbox import PENDING, ensure_outbox_index

pytestmark = pytest.mark.integration


async def _projects(database: Database) -> None:
    collection = database["projects"]
    await collection.create_index([("unit_code", 1), ("year", 1)])
    await collection.insert_many(
        [
            {
                "_id": f"p{i}",
                "unit_code": f"u{i % 7}",
                "year": 2026,
                "status": "draft",
                "tags": ["a"],
            }
            for i in range(50)
        ]
    )


async def test_id_and_indexed_equality_filters_use_an_index(database: Database) -> None:
    await _projects(database)
    collection = database["projects"]
    await assert_indexed(collection, {"_id": "p3"})
    await assert_indexed(collection, {"unit_code": "u3", "year": 2026})
    # Any subset of an index's fields, in any order.
    await assert_indexed(collection, {"year": 2026})
    # An indexed equality narrows; the range part is checked on those rows.
    await assert_indexed(collection, {"_id": "p3", "version": {"$lt": 4}})


async def test_unindexed_filters_are_reported_as_scans(database: Database) -> None:
    await _projects(database)
    collection = database["projects"]
    assert not (await explain_find(collection, {"status": "draft"})).indexed
    # Ranges and `$in` alone are not pushed down by FerretDB: a scan.
    assert not (await explain_find(collection, {"year": {"$gte": 2026}})).indexed


async def test_the_relay_finds_pending_documents_through_an_index(database: Database) -> None:
    collection = database["aggregates"]
    await ensure_outbox_index(collection)
    await collection.insert_many([{"_id": f"a{i}", "outbox_pending": False} for i in range(20)])
    await assert_indexed(collection, PENDING)
