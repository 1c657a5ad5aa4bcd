"""Region stamps kept right when the division tree changes.

Three things on a read-model document depend on where its unit sits:

- `region_path`, which every list's region filter is an equality on
  (`regions.py`). It follows the unit's code, and a unit moved to another
  parent keeps its code inside the new parent's code range
  (`lingban_contracts.divisions.check_placement`), so a move changes no path:
  there is nothing to re-stamp. A project transferred after a merge (村并村)
  changes unit with a new event, which the fold stamps. Documents written
  before the path existed get it once (`backfill_region_paths`).
- a project's `township_code`, which comes from the tree: a move (a
  `unit-updated` event whose `changed` names `parent`) re-stamps the projects
  of the moved unit's subtree, selected by the indexed `region_path` equality,
  with what the current tree says (`restamp_townships`).
- the figure documents of the moved unit, which sum into its parent's roll-up
  (`FigureBook.relocate`).

Both re-stamps state what the current tree says rather than apply a delta, so
a redelivered or replayed event writes nothing, and they are run from the
division event after this process's tree has taken the unit's stored state
(`follow_units`): the newest version the database holds, whatever event
brought the run about.
"""

from __future__ import annotations

from collections.abc import Iterable

from lingban_contracts.divisions import DivisionTree
from lingban_contracts.regions import region_path
from lingban_kit import divisions
from lingban_kit.migrations import run_once
from lingban_kit.mongo import Database
from lingban_kit.regions import REGION_PATH, within
from lingban_reporting.figures.layout import Layout
from lingban_reporting.read_models.entities import id_filter, write_filter
from lingban_reporting.read_models.generations import (
    FIGURES,
    GENERATION_COLLECTIONS,
    ReadModels,
)

_ATTEMPTS = 10


async def follow_units(db: Database, tree: DivisionTree, codes: Iterable[str]) -> None:
    """Put the stored state of these units into this process's tree now (the refresh
    loop would in a few seconds; a re-stamp must not use the tree before the change)."""
    units = {u.code: u for u in tree.all_units()}
    for code in dict.fromkeys(codes):
        doc = await db[divisions.COLLECTION].find_one({"_id": code})
        if doc is not None:
            units[code] = divisions.unit_of(doc)
    placed, _ = divisions.placeable(list(units.values()))
    tree.replace(placed)


async def restamp_townships(models: ReadModels, layout: Layout, code: str) -> int:
    """The projects of `code`'s subtree filed under the township the tree now gives
    them; returns how many changed (0 when they already were: idempotent).

    Each write bumps `rev`, so the projection's compare-and-set notices it and folds
    from the stored document rather than from a cached copy with the old township.
    """
    collection = models.projects
    changed = 0
    # The subtree by the indexed region_path equality (`generations.GIN_INDEXES`).
    found = [d async for d in collection.find(within(code), {"unit_code": 1})]
    for doc in found:
        for _ in range(_ATTEMPTS):
            current = await collection.find_one(id_filter(doc["_id"]))
            if current is None:
                break
            township = layout.township_of(str(current["unit_code"]))
            if current.get("township_code") == township:
                break
            rev = int(current.get("rev", 0))
            result = await collection.update_one(
                write_filter(current["_id"], rev),
                {"$set": {"township_code": township, "rev": rev + 1}},
            )
            if result.matched_count:
                changed += 1
                break
    return changed


async def backfill_region_paths(models: ReadModels) -> int:
    """Give the documents of a generation written before `region_path` existed their
    path (once per generation; a rebuild's new generation is stamped as it is built)."""

    async def migrate() -> int:
        changed = 0
        for base in GENERATION_COLLECTIONS:
            if base == FIGURES:
                continue
            collection = models.collection(base)
            # A one-off full read: the units first, no writes while the cursor is open.
            units = {
                str(d["unit_code"])
                async for d in collection.find({REGION_PATH: {"$exists": False}}, {"unit_code": 1})
                if isinstance(d.get("unit_code"), str) and d["unit_code"]
            }
            for unit in sorted(units):
                result = await collection.update_many(
                    {"unit_code": unit, REGION_PATH: {"$exists": False}},
                    {"$set": {REGION_PATH: region_path(unit)}},
                )
                changed += result.modified_count
        return changed

    done = await run_once(models.db, f"reporting.{models.generation}.{REGION_PATH}", migrate)
    return done or 0
