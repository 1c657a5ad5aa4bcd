"""Per-entity read-model documents folded from events, written in bulk.

A batch of events is grouped by aggregate; each aggregate's document is taken
from a write-through cache, every event is folded into it in memory, and the
changed documents go to the database in unordered bulk `insert` and `update`
commands. A document the cache lacks is first taken to be new (inserted
unread), unless its own aggregate's events in the batch begin after the
aggregate's first (`probably_stored`): that one is read by `_id` first (a few
lookups at a time). A guess that was wrong costs a round: an insert that
collides is read and folded again; a read that finds nothing is inserted.

Concurrency guard: each write is a compare-and-set on the document's `rev`
(`{_id, rev: <what we read>}`, upserting). If another writer (a second replica
after a rebalance, or a rebuild's catch-up) changed the document meanwhile, the
update matches nothing and its upsert collides with the existing `_id`; we drop
our cached copy, reload and fold again. Because the folds are idempotent and
order-independent (see `projects/state.py`), a re-fold can never double-count,
and a stale event cannot regress newer state. That is also why a failed command
on FerretDB, which leaves its other writes uncertain, is simply folded again.
Where `{_id, rev}` is not an index lookup (FerretDB on SQLite, see `server.py`)
the revisions are read right before an `_id`-only write instead.

`apply` returns, for every document of the batch, what it was before the batch
and what is stored now: the figures (`figures/book.py`) follow from those.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pymongo.errors import WriteError

from lingban_contracts import Envelope
from lingban_kit.mongo import Collection
from lingban_reporting.read_models.generations import ReadModels
from lingban_reporting.read_models.regions import stamp
from lingban_reporting.read_models.server import ServerTraits, server_traits

Doc = dict[str, Any]
NewDoc = Callable[[Envelope], Doc]
Fold = Callable[[Doc, Envelope], None]

DUPLICATE_KEY = 11000
MAX_CONFLICT_ROUNDS = 10
INSERTS_PER_COMMAND = 1000
# `_id` lookups in flight at once: enough to hide the round trips, few enough to
# leave the database's connection pool to everyone else.
READ_CONCURRENCY = 8
# Bulk write commands of one batch in flight at once (each writes other documents).
# FerretDB works through a command's writes one by one, each a few round trips to
# PostgreSQL, so few in flight left both servers waiting on each other: at 4, a
# replayed year (the projection benchmark) kept the two cores about 130 % busy; 12
# gave about 10 % more events per second and 24 about 9 % more again. A live batch
# of tens of events sends one or two commands anyway.
WRITE_CONCURRENCY = 24


@dataclass
class Applied:
    """What a batch did: documents written, and each document before and after it."""

    changed: int = 0
    # id -> (the stored document before the batch, None if new; the stored document now)
    states: dict[str, tuple[Doc | None, Doc]] = field(default_factory=dict)
    # The ids whose document "now" is known to be the stored one: written, or read in
    # this batch. The others were left alone on the strength of a cached copy, which
    # another writer may have superseded (it then keeps the figures itself).
    known: set[str] = field(default_factory=set)


class EntityProjection:
    def __init__(
        self,
        *,
        base: str,
        event_types: Sequence[str],
        new_doc: NewDoc,
        fold: Fold,
        key: Callable[[Envelope], str] = lambda e: e.aggregate_id,
        cache_limit: int = 200_000,
    ) -> None:
        self.base = base
        self.event_types = tuple(event_types)
        self.new_doc = new_doc
        self.fold = fold
        self.key = key
        self.cache_limit = cache_limit
        self._cache: dict[str, dict[str, Doc]] = {}  # generation -> id -> stored doc

    def forget(self) -> None:
        self._cache.clear()

    async def apply(self, models: ReadModels, events: Sequence[Envelope]) -> Applied:
        """Fold the events into their documents and write the changed ones."""
        collection = models.collection(self.base)
        traits = await server_traits(collection)
        cache = self._cache.setdefault(models.generation, {})
        if len(cache) > self.cache_limit:
            cache.clear()
        grouped: dict[str, list[Envelope]] = {}
        for event in events:
            grouped.setdefault(self.key(event), []).append(event)
        applied = Applied()
        before: dict[str, Doc | None] = {}
        pending = grouped
        for round_number in range(MAX_CONFLICT_ROUNDS):
            # First round: a document the cache lacks is taken to be new and inserted
            # unread (most are: the cache holds every document written since the
            # start), unless its aggregate had earlier events: that one is read first
            # (and inserted if not found). An insert that collides is read next round.
            likely = {doc_id for doc_id, batch in pending.items() if probably_stored(doc_id, batch)}
            read = await self._load(
                collection, cache, list(pending), traits, round_number > 0, likely
            )
            for doc_id in pending:
                if before.get(doc_id) is None:
                    before[doc_id] = cache.get(doc_id)
            stored, conflicts = await self._write(collection, cache, pending, traits)
            for doc_id, (doc, written) in stored.items():
                applied.states[doc_id] = (before[doc_id], doc)
                applied.changed += written
                if written or doc_id in read:
                    applied.known.add(doc_id)
            if not conflicts:
                return applied
            pending = {doc_id: grouped[doc_id] for doc_id in conflicts}
        raise RuntimeError(f"{self.base}: documents kept changing under us: {sorted(pending)}")

    async def _load(
        self,
        collection: Collection,
        cache: dict[str, Doc],
        ids: list[str],
        traits: ServerTraits,
        read_missing: bool,
        likely: set[str],
    ) -> set[str]:
        """Reads what the cache lacks (all if `read_missing`, else the `likely` stored);
        returns the ids read (or checked) now."""
        missing = [i for i in ids if i not in cache and (read_missing or i in likely)]
        cache.update(await find_by_ids(collection, missing))
        if traits.compare_and_set:
            return set(missing)
        cached = [i for i in ids if i in cache and i not in missing]
        await _refresh_stale(collection, cache, cached)
        return {*missing, *cached}

    async def _write(
        self,
        collection: Collection,
        cache: dict[str, Doc],
        grouped: dict[str, list[Envelope]],
        traits: ServerTraits,
    ) -> tuple[dict[str, tuple[Doc, bool]], set[str]]:
        """Returns id -> (stored document, whether we wrote it), and the ids to fold again."""
        stored: dict[str, tuple[Doc, bool]] = {}
        updates: list[Doc] = []
        update_ids: list[str] = []
        inserts: list[Doc] = []
        insert_ids: list[str] = []
        folded: dict[str, Doc] = {}
        for doc_id, events in grouped.items():
            previous = cache.get(doc_id)
            doc = dict(previous) if previous is not None else self.new_doc(events[0])
            for event in events:
                self.fold(doc, event)
            # Every model's region filter is an equality on this (`regions.py`).
            stamp(doc)
            if previous is not None and doc == previous:
                stored[doc_id] = (previous, False)  # nothing new (a redelivery): no write
                continue
            folded[doc_id] = doc
            if previous is None:
                # New document: a plain insert (a concurrent creator makes it a
                # duplicate key, i.e. a conflict), much cheaper than an upsert.
                doc["rev"] = 1
                inserts.append(doc)
                insert_ids.append(doc_id)
                continue
            rev = int(previous.get("rev", 0))
            doc["rev"] = rev + 1
            fields = {k: v for k, v in doc.items() if k != "_id"}
            where = write_filter(doc_id, rev) if traits.compare_and_set else id_filter(doc_id)
            # Upsert, so a document deleted under us is recreated, and a CAS that
            # lost (rev changed) collides with the existing `_id`: a conflict.
            updates.append({"q": where, "u": {"$set": fields}, "upsert": True})
            update_ids.append(doc_id)
        conflicts = await run_writes(
            collection, "insert", "documents", inserts, insert_ids, INSERTS_PER_COMMAND, True
        )
        conflicts |= await run_writes(
            collection,
            "update",
            "updates",
            updates,
            update_ids,
            traits.writes_per_command,
            not traits.ferretdb,
        )
        for doc_id, doc in folded.items():
            if doc_id in conflicts:
                cache.pop(doc_id, None)
            else:
                cache[doc_id] = doc
                stored[doc_id] = (doc, True)
        return stored, conflicts


def probably_stored(doc_id: str, events: Sequence[Envelope]) -> bool:
    """Whether the document's own aggregate had events before these: then it was folded
    before, and is read rather than inserted blind. A blind insert of a stored document
    fails, and FerretDB then redoes its command one document at a time: after a restart
    (an empty cache) every event of an earlier document did that. Documents keyed by
    another id than their events' aggregate are inserted blind."""
    own = [e.aggregate_version for e in events if e.aggregate_id == doc_id]
    return bool(own) and min(own) > 1


def id_filter(doc_id: str) -> Doc:
    return {"_id": doc_id}


def write_filter(doc_id: str, rev: int) -> Doc:
    """A compare-and-set: the document as we read it, or nothing."""
    return {"_id": doc_id, "rev": rev}


async def find_by_ids(
    collection: Collection, ids: Iterable[str], projection: Doc | None = None
) -> dict[str, Doc]:
    """Documents by `_id`, one indexed lookup each, a few at a time.

    Not one `{_id: {$in: ids}}` query: FerretDB does not push `$in` down, so that
    would read the whole collection.
    """
    gate = asyncio.Semaphore(READ_CONCURRENCY)

    async def one(doc_id: str) -> Doc | None:
        async with gate:
            return await collection.find_one(id_filter(doc_id), projection)

    found = await asyncio.gather(*(one(doc_id) for doc_id in ids))
    return {str(doc["_id"]): doc for doc in found if doc is not None}


async def _refresh_stale(collection: Collection, cache: dict[str, Doc], cached: list[str]) -> None:
    """Without compare-and-set: reload the cached documents whose revision moved on."""
    revisions = await find_by_ids(collection, cached, {"rev": 1})
    stale = [i for i, doc in revisions.items() if doc.get("rev") != cache[i].get("rev")]
    cache.update(await find_by_ids(collection, stale))


async def run_writes(
    collection: Collection,
    command: str,
    field: str,
    items: list[Doc],
    ids: list[str],
    size: int,
    precise: bool,
) -> set[str]:
    """One unordered bulk command per chunk, a few at once; returns the ids whose write
    may not have landed (a chunk that raised leaves the others' outcome unknown too:
    the batch is applied again, which the compare-and-set writes allow).

    A duplicate `_id` is a lost race (see the module docstring). `precise`: the
    server reports exactly which writes failed and applies the others (MongoDB;
    FerretDB's `insert`). Otherwise (FerretDB's `update`) any failure leaves the
    whole chunk uncertain, and it is folded again. The raw command rather than
    `bulk_write`: FerretDB answers a batch whose every op failed without
    `nModified`, which PyMongo's bulk result merging cannot read.
    """
    conflicts: set[str] = set()
    gate = asyncio.Semaphore(WRITE_CONCURRENCY)

    async def send(start: int) -> None:
        chunk = items[start : start + size]
        async with gate:
            result = await collection.database.command(
                {command: collection.name, field: chunk, "ordered": False}
            )
        errors = result.get("writeErrors", [])
        for error in errors:
            if error.get("code") != DUPLICATE_KEY:
                raise WriteError(str(error.get("errmsg")), error.get("code"), error)
            if precise:
                conflicts.add(ids[start + int(error["index"])])
        if errors and not precise:
            conflicts.update(ids[start : start + size])

    # Chunks write different documents: side by side, as the server applies one
    # command's writes one after another (a batch's time was the sum of its commands).
    async with asyncio.TaskGroup() as chunks:
        for start in range(0, len(items), size):
            chunks.create_task(send(start))
    return conflicts
