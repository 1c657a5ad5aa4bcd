"""Does an index serve this query? Asked of the database itself with `explain`.

Every query a command, a consumer, the relay or the dashboard runs must be
served by an index, on every backend we run on. Tests write the filter next to
the query they check and ask here:

- MongoDB answers with its winning plan; a `COLLSCAN` stage is a scan.
- FerretDB on PostgreSQL answers with PostgreSQL's plan; a `Seq Scan` node is
  a scan, and `filterPushdown: false` means nothing of the filter reached
  PostgreSQL (FerretDB then reads the whole collection and filters in Go).
  devstack's test cluster runs with `enable_seqscan=off`, so a small test
  collection shows an index whenever one *can* serve the filter.

Other backends (FerretDB on SQLite scans everything) give no usable answer:
that is reported as an error, never as "indexed".
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from lingban_kit.mongo import Collection, Document


class ExplainUnsupported(RuntimeError):
    """The server's explain output is of a shape we cannot judge."""


@dataclass(frozen=True)
class Verdict:
    indexed: bool
    why: str


def _nodes(plan: Any) -> Iterator[dict[str, Any]]:
    if isinstance(plan, dict):
        yield plan
        for value in plan.values():
            yield from _nodes(value)
    elif isinstance(plan, list):
        for item in plan:
            yield from _nodes(item)


def judge(explained: Document) -> Verdict:
    """Whether the explained query used an index, from a raw `explain` reply."""
    planner = explained.get("queryPlanner", {})
    if "ferretdbVersion" in explained.get("serverInfo", {}) or "filterPushdown" in explained:
        if "Plan" not in planner:
            raise ExplainUnsupported(
                "FerretDB answered without a PostgreSQL plan (the SQLite backend?); "
                f"cannot tell whether an index is used: {explained!r}"
            )
        if not explained.get("filterPushdown", False):
            return Verdict(False, "FerretDB did not push the filter down to PostgreSQL")
        scans = [n for n in _nodes(planner["Plan"]) if n.get("Node Type") == "Seq Scan"]
        if scans:
            return Verdict(False, f"PostgreSQL scans {scans[0].get('Relation Name')}")
        return Verdict(True, "PostgreSQL uses an index")
    if "winningPlan" in planner:
        stages = [n.get("stage") for n in _nodes(planner["winningPlan"])]
        if "COLLSCAN" in stages:
            return Verdict(False, "MongoDB scans the collection")
        return Verdict(True, f"MongoDB plan: {stages}")
    raise ExplainUnsupported(f"unknown explain output: {explained!r}")


async def explain_find(collection: Collection, filter: Document) -> Verdict:
    """The verdict for `collection.find(filter)` (the same filter serves updates and deletes)."""
    explained = await collection.database.command(
        "explain", {"find": collection.name, "filter": filter}, verbosity="queryPlanner"
    )
    return judge(explained)


async def assert_indexed(collection: Collection, filter: Document) -> None:
    verdict = await explain_find(collection, filter)
    assert verdict.indexed, (
        f"{collection.name}.find({filter!r}) is not served by an index: {verdict.why}"
    )
