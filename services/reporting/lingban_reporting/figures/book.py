"""Keeps the figure documents equal to the sums over their read-model documents.

After each batch, for every (year, unit) the batch's documents count in (before
or after it), the unit's figure document `u:<year>:<unit>` is written as the sum
of the contributions (`contributions.py`) of that unit's documents, then every
roll-up above it (`layout.py`) as the sum of its children. Nothing is ever
incremented: each write states a sum, so a redelivered batch, a replayed one or
one applied twice by two writers all end with the same documents.

The sums come from memory. The first time a unit is needed its state is loaded:
its figure document's `rev`, then every read-model document of the unit-year
(a few equality queries on indexed fields, `unit_queries`; none when the unit
has no figure document yet, as no writer has settled a document of it). From
then on the batch's documents update it (those written or read in the batch:
a cached copy left alone may be older than what a reload found), and the
figure document is written with a compare-and-set on `rev`. Another writer (a second replica, a rebuild's
catch-up) that changed a unit writes its figure document too, so our next
compare-and-set on it fails: we reload the unit and write again. A writer that
crashed between its read-model writes and the figure writes gets its batch
again (offsets are committed after both), and writing it again settles the
units it touched. Roll-ups are always summed from their children as stored
(at most ~30 small documents): as the book knows them when it knows each at least
at the `rev` the roll-up's last sum recorded (`known.py`), else as read by one
indexed equality. They hold no state of their own. Counters are stored as packed
text (`packing.py`): FerretDB's cost follows the fields it decodes.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pymongo.errors import DuplicateKeyError

from lingban_contracts.divisions import DivisionTree, Level
from lingban_kit.mongo import Collection
from lingban_reporting.figures.contributions import (
    FIELDS,
    UNPLACED,
    Contribution,
    Counts,
    UnitKey,
    contribution,
)
from lingban_reporting.figures.known import KnownDocs
from lingban_reporting.figures.layout import ALL, Layout, parse, rollup_id, unit_id
from lingban_reporting.figures.packing import (
    counts_of,
    covered_of,
    pack_counts,
    pack_covered,
    pack_summed,
)
from lingban_reporting.read_models.entities import (
    READ_CONCURRENCY,
    id_filter,
    run_writes,
    write_filter,
)
from lingban_reporting.read_models.generations import (
    ALL_MODELS,
    INSPECTIONS,
    RECTIFICATIONS,
    ReadModels,
)
from lingban_reporting.read_models.server import server_traits

Doc = dict[str, Any]
Entry = tuple[str, str]  # (read model, document id)
# (read model, id, the document before the batch, now, whether "now" is known stored)
Change = tuple[str, str, Doc | None, Doc, bool]

MAX_ROUNDS = 10
# Documents' contributions kept in memory per generation; beyond, start afresh.
STATE_LIMIT = 500_000
# The warm-up at start loads whole years, newest first, while under this many.
WARM_LIMIT = STATE_LIMIT // 2
CONTENT = ("kind", "year", "code", "sums_into", "counts", "covered", "applied", "as_of")
ROLLUP_CONTENT = (*CONTENT, "summed")
# What a roll-up's sum reads of its children, and what it knows them by (`known.py`).
# The reply carries no more; FerretDB still decodes whole documents (`packing.py`).
SUMMED = dict.fromkeys(("rev", "sums_into", "counts", "covered", "applied", "as_of"), 1)


@dataclass(frozen=True)
class Part:
    """One document's share of one unit's figure document."""

    counts: Counts
    applied: int
    as_of: datetime | None


def part_of(c: Contribution, key: UnitKey) -> Part | None:
    counts = c.counts.get(key, {})
    home = key == c.home
    if not counts and not home:
        return None
    return Part(counts, c.applied if home else 0, c.as_of if home else None)


def unit_queries(model: str, year: int, code: str) -> list[Doc]:
    """The filters that find every document of `model` counting in (year, unit).

    Equality on indexed fields only (see `generations.GIN_INDEXES`): FerretDB serves
    nothing else from an index.
    """
    if code == UNPLACED:
        # Unannounced inspections have no unit until they are recorded.
        return [{"year": year, "recorded": False}] if model == INSPECTIONS else []
    queries: list[Doc] = [{"year": year, "unit_code": code}]
    if model == RECTIFICATIONS:
        # Closed in `year`, whatever year they were opened in (found by status).
        queries.append({"unit_code": code, "status": "closed"})
    return queries


def year_queries(model: str, year: int) -> list[Doc]:
    """`unit_queries` of every unit of the year at once (the warm-up's scans)."""
    if model == RECTIFICATIONS:
        return [{"year": year}, {"status": "closed"}]
    return [{"year": year}]


async def contributions(
    models: ReadModels, model: str, queries: list[Doc]
) -> AsyncIterator[tuple[str, Contribution]]:
    """Each document of `model` the queries find (once, however many find it), with its
    contribution: read with the fields the contributions use only."""
    projection = dict.fromkeys(FIELDS[model], 1)
    seen: set[str] = set()
    for query in queries:
        async for doc in models.collection(model).find(query, projection):
            doc_id = str(doc["_id"])
            if doc_id not in seen:
                seen.add(doc_id)
                yield doc_id, contribution(model, doc)


def children_query(doc_id: str) -> Doc:
    return {"sums_into": doc_id}


def code_query(code: str) -> Doc:
    """A unit's figure documents of every year (its own and its roll-up): the
    figures' `code` index (`generations.GIN_INDEXES`)."""
    return {"code": code}


def content_of(doc: Doc | None, fields: tuple[str, ...] = CONTENT) -> Doc | None:
    return None if doc is None else {k: doc.get(k) for k in fields}


class UnitState:
    """A unit-year's documents' contributions, their running sum, and its figure document."""

    def __init__(self, stored: Doc | None) -> None:
        self.entries: dict[Entry, Part] = {}
        self.counts: Counts = {}
        self.applied = 0
        self.as_of: datetime | None = None
        self.rev: int | None = int(stored["rev"]) if stored else None
        self.stored = content_of(stored)
        self.read_back = False  # entries read from the read models (not from batches)

    def put(self, entry: Entry, part: Part | None) -> None:
        old = self.entries.pop(entry, None)
        if old is not None:
            self._add(old.counts, -1)
            self.applied -= old.applied
        if part is not None:
            self.entries[entry] = part
            self._add(part.counts, 1)
            self.applied += part.applied
        newest = part.as_of if part is not None else None
        if (
            old is not None
            and old.as_of is not None
            and old.as_of == self.as_of
            and (newest is None or newest < old.as_of)
        ):
            # The newest one went back or away: look again (a document's time only
            # moves forward, so this is rare).
            times = [p.as_of for p in self.entries.values() if p.as_of is not None]
            self.as_of = max(times, default=None)
        elif newest is not None and (self.as_of is None or newest > self.as_of):
            self.as_of = newest

    def _add(self, counts: Counts, sign: int) -> None:
        for name, value in counts.items():
            total = self.counts.get(name, 0) + sign * value
            if total:
                self.counts[name] = total
            else:
                self.counts.pop(name, None)

    def content(self, layout: Layout, key: UnitKey) -> Doc:
        year, code = key
        counts = dict(self.counts)
        unit = layout.tree.get(code)
        covered = [code] if unit is not None and counts.get("p", 0) > 0 else []
        if unit is not None and unit.level is Level.VILLAGE:
            # Visit rate: (village, month) pairs with a visit.
            for name, value in self.counts.items():
                if name.startswith("v:") and value > 0:
                    counts["vp:" + name[2:]] = 1
        return {
            "kind": "unit",
            "year": year,
            "code": code,
            "sums_into": layout.unit_sums_into(year, code),
            "counts": pack_counts(counts),
            "covered": pack_covered(covered),
            "applied": self.applied,
            "as_of": self.as_of,
        }


def rollup_content(layout: Layout, doc_id: str, children: Iterable[Doc]) -> Doc:
    """The sum of `children` (each as stored, with its `_id` and `rev`), and their revs."""
    counts: Counts = {}
    covered: set[str] = set()
    applied = 0
    as_of: datetime | None = None
    # In one order whatever they came from (reads, memory): equal floats sum equal.
    ordered = sorted(children, key=lambda child: str(child["_id"]))
    summed = pack_summed({str(child["_id"]): int(child["rev"]) for child in ordered})
    for child in ordered:
        for name, value in counts_of(child).items():
            counts[name] = counts.get(name, 0) + value
        covered.update(covered_of(child))
        applied += int(child.get("applied") or 0)
        newest = child.get("as_of")
        if isinstance(newest, datetime) and (as_of is None or newest > as_of):
            as_of = newest
    if doc_id == ALL:
        # Across years only the freshness means something.
        content: Doc = {k: None for k in CONTENT}
        return content | {"kind": "all", "applied": applied, "as_of": as_of, "summed": summed}
    _, year, code = parse(doc_id)
    return {
        "kind": "rollup",
        "year": year,
        "code": code,
        "sums_into": layout.rollup_sums_into(doc_id),
        "counts": pack_counts(counts),
        "covered": pack_covered(covered),
        "applied": applied,
        "as_of": as_of,
        "summed": summed,
    }


class FigureBook:
    def __init__(self, tree: DivisionTree) -> None:
        self.layout = Layout(tree)
        self._states: dict[str, dict[UnitKey, UnitState]] = {}  # generation -> unit-year -> state
        self._known: dict[str, KnownDocs] = {}  # generation -> figure documents as stored

    def forget(self) -> None:
        self._states.clear()
        self._known.clear()

    async def apply(self, models: ReadModels, changes: Iterable[Change]) -> None:
        """Settle the figure documents of every unit-year the changed documents count in."""
        updates: dict[UnitKey, dict[Entry, Part | None]] = {}
        for model, doc_id, before, after, known in changes:
            now = contribution(model, after)
            keys = now.units()
            if before is not None and before is not after:
                keys |= contribution(model, before).units()
            for key in keys:
                entries = updates.setdefault(key, {})
                if known:
                    # A cached copy left alone may be older than a unit read back
                    # since: it still settles the unit, but changes nothing in it.
                    entries[(model, doc_id)] = part_of(now, key)
        if updates:
            await self._settle(models, updates)

    async def backfill(self, models: ReadModels) -> None:
        """Write every figure document of a generation whose documents predate them."""
        keys: set[UnitKey] = set()
        for model in ALL_MODELS:
            async for _, found in contributions(models, model, [{}]):
                keys |= found.units()
        await self._settle(models, {key: {} for key in keys}, settled=False)

    async def warm(self, models: ReadModels) -> int:
        """Load the states of the unit-years with a figure document ahead of their first
        batch: one scan per read model and year, newest year first, while fewer than
        `WARM_LIMIT` documents are loaded. Returns the unit-years loaded.

        On first touch a unit-year costs a few queries of its own (`_load_unit`); after a
        restart every batch touched new ones, and the lag to reporting was minutes long.
        Run beside the consumer: a unit a batch loaded (or wrote) meanwhile keeps the
        batch's state (each is the state as stored). The figure documents are read
        before the read models, as `_load_unit` does and for the same reason: a writer
        that changes documents after these reads also writes the figure document, so
        the compare-and-set on the rev read here fails and the unit is loaded again.
        """
        states = self._states.setdefault(models.generation, {})
        stored: dict[UnitKey, Doc] = {}
        async for doc in models.figures.find({"kind": "unit"}):
            stored[(int(doc["year"]), str(doc["code"]))] = doc
        loaded = documents = 0
        for year in sorted({year for year, _ in stored}, reverse=True):
            fresh = {key: UnitState(doc) for key, doc in stored.items() if key[0] == year}
            for model in ALL_MODELS:
                async for doc_id, found in contributions(models, model, year_queries(model, year)):
                    for key in found.units() & fresh.keys():
                        fresh[key].put((model, doc_id), part_of(found, key))
                        documents += 1
            for key, state in fresh.items():
                state.read_back = True
                if key not in states:
                    states[key] = state
                    loaded += 1
            if documents >= WARM_LIMIT:
                break
        return loaded

    async def _settle(
        self,
        models: ReadModels,
        updates: dict[UnitKey, dict[Entry, Part | None]],
        settled: bool = True,
    ) -> None:
        for generation in [g for g in self._states if g != models.generation]:
            del self._states[generation]  # a rebuild swapped generations
        for generation in [g for g in self._known if g != models.generation]:
            del self._known[generation]
        states = self._states.setdefault(models.generation, {})
        known = self._known.setdefault(models.generation, KnownDocs())
        if not settled:
            known.clear()
            for key in updates:
                states.pop(key, None)
        if sum(len(s.entries) for s in states.values()) > STATE_LIMIT:
            states.clear()
        pending = set(updates)
        # Units whose stored document this batch read or wrote: known as stored.
        fresh: set[UnitKey] = set()
        for _ in range(MAX_ROUNDS):
            missing = [key for key in pending if key not in states]
            loaded = await self._load(models, missing, settled)
            states.update(loaded)
            fresh |= set(loaded)
            for key in pending:
                if key in loaded and loaded[key].read_back:
                    # Read back from the database: it holds what is stored, ours
                    # included (and perhaps a newer writer's), not the batch's view.
                    continue
                for entry, part in updates[key].items():
                    states[key].put(entry, part)
            conflicts, written = await self._write_units(models.figures, states, pending)
            fresh |= written
            if not conflicts:
                break
            for key in conflicts:
                states.pop(key, None)
            pending = conflicts
        else:
            raise RuntimeError(f"figures of {sorted(pending)} kept changing under us")
        for key in updates:
            state = states[key]
            if key in fresh and state.rev is not None and state.stored is not None:
                known.learn({"_id": unit_id(*key), "rev": state.rev, **state.stored})
            else:
                # Left alone on a view from an earlier batch: another writer may have
                # written it since (and died before summing): the roll-up reads it.
                known.forget(unit_id(*key))
        rollups = {doc_id for key in updates for doc_id in self.layout.chain(*key)}
        for depth in sorted({self.layout.depth(r) for r in rollups}, reverse=True):
            level = [r for r in rollups if self.layout.depth(r) == depth]
            await asyncio.gather(*(self._sum_rollup(models.figures, r, known) for r in level))

    async def _load(
        self, models: ReadModels, keys: list[UnitKey], settled: bool = True
    ) -> dict[UnitKey, UnitState]:
        gate = asyncio.Semaphore(READ_CONCURRENCY)

        async def load(key: UnitKey) -> tuple[UnitKey, UnitState]:
            async with gate:
                return key, await self._load_unit(models, key, settled)

        return dict(await asyncio.gather(*(load(key) for key in keys)))

    async def _load_unit(self, models: ReadModels, key: UnitKey, settled: bool) -> UnitState:
        """A unit's state as stored. `settled`: every unit with documents has a figure
        document (true from a generation's first event on, see `backfill`)."""
        year, code = key
        # The figure document first: a writer that changes documents after our
        # reads below also writes it, so our compare-and-set on this rev fails.
        stored = await models.figures.find_one(id_filter(unit_id(year, code)))
        state = UnitState(stored)
        if stored is None and settled:
            # No writer has settled this unit yet: its documents are this batch's
            # (added by the caller). One that wrote some and died before settling
            # gets its batch again, which settles them.
            return state
        state.read_back = True
        for model in ALL_MODELS:
            async for doc_id, found in contributions(
                models, model, unit_queries(model, year, code)
            ):
                state.put((model, doc_id), part_of(found, key))
        return state

    async def _write_units(
        self, collection: Collection, states: dict[UnitKey, UnitState], keys: Iterable[UnitKey]
    ) -> tuple[set[UnitKey], set[UnitKey]]:
        """Write the unit documents that differ from what is stored; returns the lost
        races and the documents written."""
        traits = await server_traits(collection)
        inserts: list[Doc] = []
        updates: list[Doc] = []
        insert_ids: list[str] = []
        update_ids: list[str] = []
        written: dict[str, tuple[UnitKey, Doc]] = {}
        for key in keys:
            state = states[key]
            content = state.content(self.layout, key)
            if content == state.stored:
                continue
            doc_id = unit_id(*key)
            written[doc_id] = (key, content)
            if state.rev is None:
                inserts.append({"_id": doc_id, "rev": 1, **content})
                insert_ids.append(doc_id)
            else:
                # A whole replacement, not `$set`: FerretDB 1.24 takes a `$set` of an
                # embedded document with other keys but equal values for no change.
                replacement = {**content, "rev": state.rev + 1}
                updates.append(
                    {"q": write_filter(doc_id, state.rev), "u": replacement, "upsert": True}
                )
                update_ids.append(doc_id)
        lost = await run_writes(collection, "insert", "documents", inserts, insert_ids, 1000, True)
        lost |= await run_writes(
            collection,
            "update",
            "updates",
            updates,
            update_ids,
            traits.writes_per_command,
            not traits.ferretdb,
        )
        for doc_id, (key, content) in written.items():
            if doc_id not in lost:
                state = states[key]
                state.rev = 1 if state.rev is None else state.rev + 1
                state.stored = content
        won = {key for doc_id, (key, _) in written.items() if doc_id not in lost}
        return {written[doc_id][0] for doc_id in lost}, won

    async def relocate(self, models: ReadModels, code: str) -> None:
        """A unit moved to another parent: its figure documents (`u:` and `r:`, every
        year) sum into the new parent's roll-up, and the roll-ups above the old and the
        new place are summed again. Idempotent: a document already in place is left
        alone, and roll-ups are sums of what is stored (call with the tree current)."""
        figures = models.figures
        touched: set[str] = set()
        seen: list[Doc] = []  # as stored now (what the roll-ups' sums below must know)
        # Years of documents found in place: moved by a writer that may have died before
        # summing the old place, which is no longer known: every roll-up of those years.
        in_place: set[int] = set()
        for doc in [d async for d in figures.find(code_query(code))]:
            for _ in range(MAX_ROUNDS):
                if doc.get("kind") == "unit":
                    place = self.layout.unit_sums_into(int(doc["year"]), code)
                else:
                    place = self.layout.rollup_sums_into(str(doc["_id"]))
                if doc.get("sums_into") == place:
                    seen.append(doc)
                    in_place.add(int(doc["year"]))
                    break
                rev = int(doc["rev"])
                result = await figures.update_one(
                    write_filter(doc["_id"], rev), {"$set": {"sums_into": place, "rev": rev + 1}}
                )
                if result.matched_count:
                    touched |= {str(doc.get("sums_into")), place}
                    seen.append({**doc, "sums_into": place, "rev": rev + 1})
                    break
                found = await figures.find_one(id_filter(doc["_id"]))  # changed meanwhile
                if found is None:
                    break
                doc = found
        # A unit's state in memory holds the old place: read it back before writing it.
        self._known.clear()
        known = self._known.setdefault(models.generation, KnownDocs())
        for doc in seen:
            known.learn(doc)
        for states in self._states.values():
            for key in [k for k in states if k[1] == code]:
                del states[key]
        rollups: set[str] = {
            rollup_id(year, unit.code)
            for year in in_place
            for unit in self.layout.tree
            if self.layout.keeps_rollup(unit.code)
        }
        for doc_id in touched:
            while doc_id != ALL:
                rollups.add(doc_id)
                doc_id = self.layout.rollup_sums_into(doc_id)
        rollups.add(ALL)
        for depth in sorted({self.layout.depth(r) for r in rollups}, reverse=True):
            level = [r for r in rollups if self.layout.depth(r) == depth]
            await asyncio.gather(*(self._sum_rollup(figures, r, known) for r in level))

    async def _sum_rollup(self, collection: Collection, doc_id: str, known: KnownDocs) -> None:
        """Write a roll-up as the sum of its children as stored (compare-and-set on `rev`):
        as known, when that is at least what its last sum used (`known.py`), else as read.

        The roll-up itself is taken as known too (usually this book wrote it last): the
        compare-and-set fails if anyone wrote it since, and then it is read. One read
        less per roll-up and batch, on the path every event's freshness takes. Only
        "nothing to change" is never decided on a known copy: a newer one may differ.
        """
        remembered = known.get(doc_id)
        if remembered is not None and not remembered.keys() >= set(ROLLUP_CONTENT):
            remembered = None  # known only as another roll-up's child (`SUMMED`'s fields)
        for _ in range(MAX_ROUNDS):
            current = remembered or await collection.find_one(id_filter(doc_id))
            children = known.children(current)
            if children is None:
                children = [d async for d in collection.find(children_query(doc_id), SUMMED)]
                known.learn_children(doc_id, children)
            content = rollup_content(self.layout, doc_id, children)
            if content_of(current, ROLLUP_CONTENT) == content:
                if remembered is not None:
                    remembered = None  # make sure, as stored
                    continue
                if current is not None:
                    known.learn(current)
                return
            remembered = None  # from here on, a lost race reads it
            try:
                if current is None:
                    await collection.insert_one({"_id": doc_id, "rev": 1, **content})
                    known.learn({"_id": doc_id, "rev": 1, **content})
                    return
                rev = int(current["rev"])
                result = await collection.replace_one(
                    write_filter(doc_id, rev), {**content, "rev": rev + 1}
                )
                if result.matched_count:
                    known.learn({"_id": doc_id, "rev": rev + 1, **content})
                    return
            except DuplicateKeyError:
                pass  # created meanwhile: sum again
        raise RuntimeError(f"roll-up {doc_id} kept changing under us")
