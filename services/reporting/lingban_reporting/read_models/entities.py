"""Per-entity read-model documents folded from events, written in bulk.

A batch of events is grouped by aggregate; each aggregate's document is
loaded once (from a write-through cache, else one `$in` query for the whole
batch), every event is folded into it in memory, and all changed documents
go to the database in ONE unordered bulk `update` command (per 1,000).

Concurrency guard: each write is a compare-and-set on the document's `rev`
(`{_id, rev: <what we read>}`, upserting; on FerretDB see
`compare_and_set_supported`). If another writer (a second
replica after a rebalance, or a rebuild's catch-up) changed the document
meanwhile, the update matches nothing and its upsert collides with the
existing `_id`; we drop our cached copy, reload and fold again. Because the
folds are idempotent and order-independent (see `projects/state.py`), a
re-fold can never double-count, and a stale event cannot regress newer state.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from pymongo.errors import WriteError

from lingban_contracts import Envelope
from lingban_kit.mongo import Collection
from lingban_reporting.read_models.generations import ReadModels

Doc = dict[str, Any]
NewDoc = Callable[[Envelope], Doc]
Fold = Callable[[Doc, Envelope], None]

DUPLICATE_KEY = 11000
MAX_CONFLICT_ROUNDS = 10
COMMAND_CHUNK = 1000


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

    async def apply(self, models: ReadModels, events: Sequence[Envelope]) -> int:
        """Fold the events into their documents; returns how many documents changed."""
        collection = models.collection(self.base)
        cache = self._cache.setdefault(models.generation, {})
        if len(cache) > self.cache_limit:
            cache.clear()
        grouped: dict[str, list[Envelope]] = {}
        for event in events:
            grouped.setdefault(self.key(event), []).append(event)
        changed = 0
        pending = grouped
        for _ in range(MAX_CONFLICT_ROUNDS):
            written, conflicts = await self._write(collection, cache, pending)
            changed += written
            if not conflicts:
                return changed
            for doc_id in conflicts:
                cache.pop(doc_id, None)
            pending = {doc_id: grouped[doc_id] for doc_id in conflicts}
        raise RuntimeError(f"{self.base}: documents kept changing under us: {sorted(pending)}")

    async def _write(
        self, collection: Collection, cache: dict[str, Doc], grouped: dict[str, list[Envelope]]
    ) -> tuple[int, list[str]]:
        exact = await compare_and_set_supported(collection)
        missing = [doc_id for doc_id in grouped if doc_id not in cache]
        if missing:
            async for stored in collection.find({"_id": {"$in": missing}}):
                cache[str(stored["_id"])] = stored
        if not exact:
            await self._refresh_stale(collection, cache, [i for i in grouped if i not in missing])
        ids: list[str] = []
        ops: list[Doc] = []
        new_ids: list[str] = []
        inserts: list[Doc] = []
        folded: dict[str, Doc] = {}
        for doc_id, events in grouped.items():
            before = cache.get(doc_id)
            doc = dict(before) if before is not None else self.new_doc(events[0])
            for event in events:
                self.fold(doc, event)
            if before is not None and doc == before:
                continue  # nothing new (a redelivery): no write at all
            folded[doc_id] = doc
            if before is None:
                # New document: a plain insert (a concurrent creator makes it a
                # duplicate key, i.e. a conflict), much cheaper than an upsert.
                doc["rev"] = 1
                inserts.append(doc)
                new_ids.append(doc_id)
                continue
            rev = int(before.get("rev", 0))
            doc["rev"] = rev + 1
            fields = {k: v for k, v in doc.items() if k != "_id"}
            where: Doc = {"_id": doc_id, "rev": rev} if exact else {"_id": doc_id}
            # Upsert, so a document deleted under us is recreated, and a CAS that
            # lost (rev changed) collides with the existing `_id`: a conflict.
            ops.append({"q": where, "u": {"$set": fields}, "upsert": True})
            ids.append(doc_id)
        conflicts = await _run(collection, "insert", "documents", inserts, new_ids)
        conflicts += await _run(collection, "update", "updates", ops, ids)
        for doc_id, doc in folded.items():
            if doc_id not in conflicts:
                cache[doc_id] = doc
        return len(folded) - len(conflicts), conflicts

    async def _refresh_stale(
        self, collection: Collection, cache: dict[str, Doc], cached: list[str]
    ) -> None:
        """FerretDB: check our cached revisions with one cheap `_id` lookup, reload changed ones."""
        if not cached:
            return
        stale = [
            str(stored["_id"])
            async for stored in collection.find({"_id": {"$in": cached}}, {"rev": 1})
            if stored.get("rev") != cache[str(stored["_id"])].get("rev")
        ]
        if stale:
            async for stored in collection.find({"_id": {"$in": stale}}):
                cache[str(stored["_id"])] = stored


async def _run(
    collection: Collection, command: str, field: str, items: list[Doc], ids: list[str]
) -> list[str]:
    """One unordered bulk command per chunk; returns the ids whose write collided.

    The raw command rather than `bulk_write`: FerretDB answers a batch whose
    every op failed without `nModified`, which PyMongo's bulk result merging
    cannot read; the command's `writeErrors` work on both servers.
    """
    conflicts: list[str] = []
    for start in range(0, len(items), COMMAND_CHUNK):
        chunk = items[start : start + COMMAND_CHUNK]
        result = await collection.database.command(
            {command: collection.name, field: chunk, "ordered": False}
        )
        for error in result.get("writeErrors", []):
            if error.get("code") != DUPLICATE_KEY:
                raise WriteError(str(error.get("errmsg")), error.get("code"), error)
            conflicts.append(ids[start + int(error["index"])])
    return conflicts


_exact_cas: dict[int, bool] = {}


async def compare_and_set_supported(collection: Collection) -> bool:
    """Whether `{_id, rev}` filters are cheap here (MongoDB) or not (FerretDB 1.x).

    FerretDB 1.24 pushes only `{_id: ...}` filters down to SQLite; any other
    field in an update's filter scans the collection, which makes a bulk
    compare-and-set quadratic. There we check revisions with one `$in` read
    right before the `_id`-only write instead: still a guard against a writer
    whose cache went stale, with a window of one command between check and
    write (documented in docs/reporting.md).
    """
    client = collection.database.client
    key = id(client)
    if key not in _exact_cas:
        info = await client.admin.command("buildInfo")
        _exact_cas[key] = "ferretdbVersion" not in info
    return _exact_cas[key]
