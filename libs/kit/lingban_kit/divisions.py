"""This service's copy of the division tree, kept current while it runs.

The tree is managed data owned by the projects service (`lingban_contracts.
divisions`). Every service keeps the units in its own `divisions` collection:
- on first start the collection is seeded from the tree file (version 0), so a
  fresh deployment works before any event has flowed;
- the owner writes its changes there itself (with the events, one write per
  unit); the other services apply the events (`handlers`), each unit's newest
  version winning, so duplicates and any order are harmless;
- every write bumps one generation counter, and a background loop on every
  replica reloads `default_tree()` in place when it moves. Code holding the
  tree object sees a change within `REFRESH_SECONDS`, without a restart.
"""

from __future__ import annotations

import asyncio
import logging

from pymongo.errors import DuplicateKeyError

from lingban_contracts import Envelope
from lingban_contracts.divisions import DivisionTree, Unit, default_tree, load_tree, tree_file
from lingban_contracts.events import divisions as dev
from lingban_contracts.registry import REGISTRY, event_type
from lingban_kit.consumer import HandlerTable
from lingban_kit.mongo import Database, Document, insert_new
from lingban_kit.runtime import BackgroundLoop, ServiceRuntime

log = logging.getLogger(__name__)

COLLECTION = "divisions"
GENERATIONS = "division_generation"
_GENERATION_ID = "tree"
SEED_VERSION = 0
REFRESH_SECONDS = 2.0
EVENT_TYPES = tuple(event_type(m) for m in (dev.UnitRegistered, dev.UnitUpdated, dev.UnitMerged))


def unit_document(unit: Unit, version: int) -> Document:
    return {
        "_id": unit.code,
        "name": unit.name,
        "level": unit.level.value,
        "parent": unit.parent,
        "secretary": unit.secretary,
        "active": unit.active,
        "merged_into": unit.merged_into,
        "version": version,
    }


def unit_of(doc: Document) -> Unit:
    return dev.UnitState.model_validate(
        {k: doc.get(k) for k in ("name", "level", "parent", "active", "merged_into")}
        | {"code": doc["_id"], "secretary": doc.get("secretary") or ""}
    ).to_unit()


async def bump_generation(db: Database) -> None:
    await db[GENERATIONS].update_one({"_id": _GENERATION_ID}, {"$inc": {"n": 1}}, upsert=True)


async def generation(db: Database) -> int:
    doc = await db[GENERATIONS].find_one({"_id": _GENERATION_ID})
    return int(doc["n"]) if doc else 0


async def seed(db: Database, tree: DivisionTree) -> int:
    """Insert the file's units if this database has none yet; returns how many went in.

    Replicas starting together may both try: `_id` is the unit code, so the
    second insert of a unit fails on its key and is ignored.
    """
    if await db[COLLECTION].find_one({}, {"_id": 1}) is not None:
        return 0
    docs = [unit_document(u, SEED_VERSION) for u in tree.all_units()]
    inserted = len(docs) - len(await insert_new(db[COLLECTION], docs))
    await bump_generation(db)
    return inserted


async def load(db: Database) -> list[Unit]:
    return [unit_of(doc) async for doc in db[COLLECTION].find({})]


def placeable(units: list[Unit]) -> tuple[list[Unit], list[Unit]]:
    """The units that form a tree, and those left out because their parent is missing.

    Units are keyed by code on the topic, so a new village may arrive before its
    new township; it waits outside the tree until the township is there.
    """
    by_code = {u.code: u for u in units}
    left_out: dict[str, Unit] = {}
    changed = True
    while changed:
        changed = False
        for unit in by_code.values():
            if not unit.active or unit.parent is None or unit.code in left_out:
                continue
            parent = by_code.get(unit.parent)
            if parent is None or not parent.active or parent.code in left_out:
                left_out[unit.code] = unit
                changed = True
    return [u for u in by_code.values() if u.code not in left_out], list(left_out.values())


async def load_into(db: Database, tree: DivisionTree) -> int:
    """Replace `tree`'s content with this database's units; returns the generation read."""
    seen = await generation(db)
    units, left_out = placeable(await load(db))
    if not units:
        # A database not seeded yet (or dropped under a stopping service): keep what we
        # have rather than serve an empty tree.
        log.warning("no units in the database; the tree is kept as it is")
        return seen
    if left_out:
        log.warning(
            "units left out of the tree until their parent arrives",
            extra={"units": [u.code for u in left_out]},
        )
    tree.replace(units)
    return seen


async def apply_state(db: Database, state: dev.UnitState, version: int) -> bool:
    """Keep `state` if it is newer than what this database has; True when it was."""
    doc = unit_document(state.to_unit(), version)
    found = await db[COLLECTION].update_one(
        {"_id": state.code, "version": {"$lt": version}},
        {"$set": {k: v for k, v in doc.items() if k != "_id"}},
    )
    if found.matched_count == 0:
        try:
            await db[COLLECTION].insert_one(doc)
        except DuplicateKeyError:
            return False  # we already have this version or a newer one
    await bump_generation(db)
    return True


def handlers(db: Database) -> HandlerTable:
    """The division events, for a service that keeps a copy (all but the owner)."""

    async def on_unit_event(event: Envelope) -> None:
        model = REGISTRY.for_type(event.type).model
        data = model.model_validate(event.data)
        assert isinstance(data, dev.UnitEvent)
        await apply_state(db, data.unit, data.version)

    return dict.fromkeys(EVENT_TYPES, on_unit_event)


async def start_tree(runtime: ServiceRuntime) -> None:
    """Start hook: seed on first start, then serve the database's tree, not the file's."""
    await ensure_indexes(runtime.db)
    # The file, read again on purpose: `default_tree()` may already hold another
    # database's tree (several apps in one test process), and only the file is the seed.
    inserted = await seed(runtime.db, load_tree(tree_file()))
    if inserted:
        log.info("division tree seeded from the file", extra={"units": inserted})
    await load_into(runtime.db, default_tree())


async def ensure_indexes(db: Database) -> None:
    # Children of a unit (the tree screens, the import's checks).
    await db[COLLECTION].create_index("parent")


def refresh_loop(interval_seconds: float = REFRESH_SECONDS) -> BackgroundLoop:
    """Every replica: reload the tree when the generation moved (one small read a tick)."""

    async def tree_refresh(runtime: ServiceRuntime) -> None:
        tree = default_tree()
        current = -1  # reload once at the start: a change may have come after start_tree
        while True:
            await asyncio.sleep(interval_seconds)
            latest = await generation(runtime.db)
            if latest != current:
                current = await load_into(runtime.db, tree)
                log.info("division tree reloaded", extra={"units": len(tree)})

    return tree_refresh
