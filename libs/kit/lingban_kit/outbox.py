"""Transactional outbox without transactions.

A state change and the events it causes are written in ONE document update:
the aggregate document carries an `outbox` array, and the repository `$push`es
the new envelopes in the same `update_one` that changes the state. The relay
publishes each document's pending events in order and then `$pull`s them. A
crash between the two publishes them again (at-least-once); consumers drop the
duplicates by event id / aggregate version.

An entry that can never be published (a record over the producer's size limit,
or one that no longer validates after a deploy) must not hold up the others:
the relay moves it to the `outbox_dead_letters` collection with the error and
clears it from the outbox, and carries on. The write side keeps such entries
from being written in the first place: `push_events`/`outbox_fields` refuse
events over `EVENT_BUDGET_BYTES` with a 413. A dependency outage, on the other
hand, leaves everything pending and the relay backs off until it is over.

One document's outbox is bounded too (`MAX_PENDING_PER_DOCUMENT`): only a long
Kafka outage lets it grow, and without a bound an aggregate written by
automation would grow towards the 16 MB document limit (every write to it then
failing) while the relay's `$pullAll` gets slower. `update_with_events` makes
the bound part of the write's own condition (no read first) and refuses a write
that would pass it with 503 and `Retry-After`: the command can be sent again
once the events are out.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.errors import MessageSizeTooLargeError, RecordTooLargeError
from pymongo.errors import DuplicateKeyError

from lingban_contracts import Envelope, encode_record
from lingban_kit import metrics
from lingban_kit.errors import PayloadTooLarge, ServiceUnavailable
from lingban_kit.kafka import MAX_REQUEST_BYTES, record_size
from lingban_kit.leases import Lease
from lingban_kit.mongo import Collection, Database, Document
from lingban_kit.retry import backoff_delays

log = logging.getLogger(__name__)

OUTBOX_FIELD = "outbox"
# Set in the same write that pushes events, so the relay finds pending documents
# through an index instead of scanning every document's array.
PENDING_FLAG = "outbox_pending"
PENDING = {PENDING_FLAG: True}
# The unindexed form: read every document of the collection. Only once, when
# the relay starts, for documents written before the flag existed; every
# writer raises the flag in the same write as its events (`with_events`).
ANY_PENDING = {f"{OUTBOX_FIELD}.0": {"$exists": True}}
# Documents cleared at once after a batch was acknowledged: writes to different
# documents run side by side on the database (and on FerretDB's serializer).
CLEAR_CONCURRENCY = 16
# Where the relay parks outbox entries it can never publish, one document per
# outbox document and cycle: the entries, why, and where they came from.
DEAD_LETTERS = "outbox_dead_letters"
# The most one write may add to the outbox, as encoded Kafka records: far below
# the producer's 1 MiB per record, so an accepted write can always be published
# (and its dead-letter copy, with headers added, still fits).
EVENT_BUDGET_BYTES = 256 * 1024
# The most unpublished events one document may hold: reached only when Kafka has
# been away for long while the document kept being written (hundreds of writes to
# one aggregate). Far below the 16 MB document limit at the event budget's usual
# few KB per event.
MAX_PENDING_PER_DOCUMENT = 500
# What a refused writer is told to wait: a few relay polls.
OUTBOX_FULL_RETRY_AFTER_SECONDS = 30
# Records the broker refuses for their size: permanent, unlike an outage.
_TOO_LARGE = (MessageSizeTooLargeError, RecordTooLargeError)


def encoded_size(envelopes: Sequence[Envelope]) -> int:
    """Bytes the events take as Kafka records (value, key and headers)."""
    return sum(record_size(encode_record(e)) for e in envelopes)


def check_event_budget(envelopes: Sequence[Envelope]) -> None:
    """Refuse a write whose events could not be published comfortably (413)."""
    size = encoded_size(envelopes)
    if size > EVENT_BUDGET_BYTES:
        raise PayloadTooLarge(
            message=(
                f"提交的内容过多：本次操作产生的事件约 {size // 1024} KB，"
                f"超过上限 {EVENT_BUDGET_BYTES // 1024} KB，请精简文字后重试"
            ),
            message_en=(
                f"The change is too large: its events take about {size // 1024} KB, "
                f"over the limit of {EVENT_BUDGET_BYTES // 1024} KB; shorten the text and retry"
            ),
            extra={"event_bytes": size, "limit_bytes": EVENT_BUDGET_BYTES},
        )


def push_events(envelopes: Sequence[Envelope]) -> Document:
    """The `$push` part of an update that records events with a state change.

    Raises `PayloadTooLarge` when the events exceed `EVENT_BUDGET_BYTES`.
    """
    check_event_budget(envelopes)
    return {OUTBOX_FIELD: {"$each": [e.model_dump(mode="json") for e in envelopes]}}


def outbox_fields(envelopes: Sequence[Envelope]) -> Document:
    """The outbox fields of a new document (for `insert_one`); budget as `push_events`."""
    check_event_budget(envelopes)
    return {
        OUTBOX_FIELD: [e.model_dump(mode="json") for e in envelopes],
        PENDING_FLAG: bool(envelopes),
    }


def with_events(update: Document, envelopes: Sequence[Envelope]) -> Document:
    """`update` plus the events it causes: `$push` them and raise the pending flag."""
    combined = dict(update)
    combined["$push"] = {**combined.get("$push", {}), **push_events(envelopes)}
    combined["$set"] = {**combined.get("$set", {}), PENDING_FLAG: True}
    return combined


class OutboxFull(ServiceUnavailable):
    code = "outbox_full"


def outbox_full(limit: int) -> OutboxFull:
    return OutboxFull(
        message=(
            f"该记录等待发布的变更已达上限（{limit} 条，消息服务暂时不可用），"
            f"本次修改未保存，请约 {OUTBOX_FULL_RETRY_AFTER_SECONDS} 秒后重试"
        ),
        message_en=(
            f"This record has reached its limit of {limit} changes waiting to be published "
            "(the message broker is unavailable); nothing was saved, retry in about "
            f"{OUTBOX_FULL_RETRY_AFTER_SECONDS} seconds"
        ),
        extra={"pending_limit": limit},
        headers={"Retry-After": str(OUTBOX_FULL_RETRY_AFTER_SECONDS)},
    )


def outbox_room(adding: int, limit: int | None = None) -> Document:
    """The filter part that holds when `adding` more events keep the outbox within
    `limit`: it has no entry at the index the last allowed one would take."""
    limit = MAX_PENDING_PER_DOCUMENT if limit is None else limit
    return {f"{OUTBOX_FIELD}.{max(limit - adding, 0)}": {"$exists": False}}


# The filter part that holds when the outbox holds nothing: a write under it leaves
# exactly its own events there.
EMPTY_OUTBOX = {f"{OUTBOX_FIELD}.0": {"$exists": False}}


class KnownOutboxes:
    """What this process's own writes left in an outbox, where it knows exactly.

    A write that found the outbox empty (`EMPTY_OUTBOX` in its condition) leaves
    exactly its own events there, first in line: any later write appends after
    them. The relay, named that document by the writer, publishes those events
    from here instead of reading the document back (a project is ~10 KB that
    FerretDB decodes whole, for every command), and clears the outbox only if it
    still holds exactly them, as always. Whatever this does not know (another
    write since, another process, a restart) the relay reads as before, so at
    worst a stale entry publishes events once more (at-least-once, as a crash
    between publishing and clearing does), never out of order or lost.
    """

    # Entries are taken by the relay within milliseconds; beyond this many, something
    # else relays (another replica holds the lease): start afresh.
    LIMIT = 10_000

    def __init__(self) -> None:
        self._entries: dict[tuple[str, str, Any], list[Any]] = {}

    @staticmethod
    def _key(collection: Collection, doc_id: Any) -> tuple[str, str, Any]:
        return (collection.database.name, collection.name, doc_id)

    def learn(self, collection: Collection, doc_id: Any, entries: list[Any]) -> None:
        if len(self._entries) >= self.LIMIT:
            self._entries.clear()
        self._entries[self._key(collection, doc_id)] = entries

    def forget(self, collection: Collection, doc_id: Any) -> None:
        self._entries.pop(self._key(collection, doc_id), None)

    def take(self, collection: Collection, doc_id: Any) -> list[Any] | None:
        return self._entries.pop(self._key(collection, doc_id), None)

    def forget_collection(self, collection: Collection) -> None:
        prefix = (collection.database.name, collection.name)
        for key in [k for k in self._entries if k[:2] == prefix]:
            del self._entries[key]


KNOWN_OUTBOXES = KnownOutboxes()


async def update_with_events(
    collection: Collection,
    query: Document,
    update: Document,
    envelopes: Sequence[Envelope],
    limit: int | None = None,
) -> bool:
    """One conditional write of a state change and its events; False when `query`
    matched nothing (the caller's conflict).

    Raises `PayloadTooLarge` over the event budget, and `OutboxFull` (503 with
    `Retry-After`) when the document's unpublished events would exceed `limit`
    (`MAX_PENDING_PER_DOCUMENT`).
    """
    limit = MAX_PENDING_PER_DOCUMENT if limit is None else limit
    if not envelopes:
        result = await collection.update_one(query, update)
        return result.matched_count > 0
    pushing = with_events(update, envelopes)
    doc_id = query.get("_id")
    if doc_id is not None:
        # Usually the relay has cleared the outbox since the last write: then this
        # write leaves exactly its events, and the relay needs no read to publish them.
        result = await collection.update_one({**query, **EMPTY_OUTBOX}, pushing)
        if result.matched_count > 0:
            KNOWN_OUTBOXES.learn(collection, doc_id, pushing["$push"][OUTBOX_FIELD]["$each"])
            return True
    result = await collection.update_one({**query, **outbox_room(len(envelopes), limit)}, pushing)
    if result.matched_count > 0:
        if doc_id is not None:
            KNOWN_OUTBOXES.forget(collection, doc_id)  # more than ours in it now
        return True
    # Tell a full outbox apart from the caller's own condition (a version).
    if await collection.find_one({**query, **ANY_PENDING}, {"_id": 1}):
        raise outbox_full(limit)
    return False


async def ensure_outbox_index(collection: Collection) -> None:
    await collection.create_index(PENDING_FLAG)


@dataclass
class _Outgoing:
    """One outbox document in a publishing cycle."""

    doc_id: Any
    entries: list[Any]  # as read: cleared together once every one is sent or parked
    sent: list[tuple[Any, Envelope, asyncio.Future[Any]]] = field(default_factory=list)
    poisoned: list[tuple[Any, str]] = field(default_factory=list)  # (entry, error)
    outage: BaseException | None = None  # not published now; stays pending


class OutboxRelay:
    def __init__(
        self,
        *,
        service: str,
        db: Database,
        collections: Sequence[str],
        producer: AIOKafkaProducer,
        lease: Lease,
        poll_seconds: float,
        batch_size: int = 200,
        retry_backoff_seconds: float = 1.0,
        retry_backoff_max_seconds: float = 30.0,
    ) -> None:
        self.service = service
        self.collections: list[Collection] = [db[name] for name in collections]
        self.dead_letters: Collection = db[DEAD_LETTERS]
        self.producer = producer
        self.lease = lease
        self.poll_seconds = poll_seconds
        self.batch_size = batch_size
        self.retry_backoff_seconds = retry_backoff_seconds
        self.retry_backoff_max_seconds = retry_backoff_max_seconds
        self._by_name = {c.name: c for c in self.collections}
        self._hints: set[tuple[str, Any]] = set()
        self._wakeup = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._indexed = False

    def wake(self, collection: str | None = None, doc_id: Any = None) -> None:
        """Called after a local write so events go out at once, not at the next poll.

        Naming the written document lets the relay fetch it by `_id` instead of
        querying for pending documents; the poll still finds everything else.
        """
        if collection is not None and doc_id is not None:
            self._hints.add((collection, doc_id))
        self._wakeup.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"{self.service}-outbox-relay")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        with contextlib.suppress(Exception):
            await self.lease.release()

    async def _run(self) -> None:
        full = True  # the first drain also finds documents without the flag
        delays: Iterator[float] | None = None
        while True:
            # Cleared before the cycle, so a write during it triggers another one.
            self._wakeup.clear()
            try:
                full = await self._cycle(full)
            except asyncio.CancelledError:
                raise
            except Exception:
                metrics.OUTBOX_ERRORS.labels(self.service).inc()
                log.exception("outbox relay cycle failed; retrying after a pause")
                # Back off, ignoring wake-ups: while Kafka or the database is
                # away every write would otherwise start another failing cycle.
                delays = delays or backoff_delays(
                    self.retry_backoff_seconds, self.retry_backoff_max_seconds
                )
                await asyncio.sleep(next(delays))
                continue
            delays = None
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), timeout=self.poll_seconds)

    async def _cycle(self, full: bool) -> bool:
        """Publish what is pending if we hold the lease; returns whether a full scan is still due."""
        if not self._indexed:
            for collection in self.collections:
                await ensure_outbox_index(collection)
            self._indexed = True
        if not await self.lease.hold():
            # Another replica relays. Its poll finds the documents our writes
            # named; keeping the hints would only wake this loop again at once.
            self._hints.clear()
            for collection in self.collections:
                KNOWN_OUTBOXES.forget_collection(collection)
            return full
        if self._hints and not full:
            await self.drain_hinted()
            return full
        # Renew the lease between batches so a long backlog keeps it; stop as
        # soon as a batch came back short (no more backlog), instead of paying
        # for one more empty query.
        while True:
            _, more = await self._drain_batch(full_scan=full)
            if not more:
                return False
            if not await self.lease.hold():
                return full

    async def drain_hinted(self) -> int:
        """Publish the documents local writes named, each fetched by `_id`."""
        hints, self._hints = self._hints, set()
        try:
            by_collection: dict[str, list[Any]] = {}
            for name, doc_id in hints:
                by_collection.setdefault(name, []).append(doc_id)
            published = 0
            for name, ids in by_collection.items():
                collection = self._by_name[name]
                known = {i: KNOWN_OUTBOXES.take(collection, i) for i in ids}
                docs: list[Document] = [
                    {"_id": i, OUTBOX_FIELD: entries}
                    for i, entries in known.items()
                    if entries is not None
                ]
                found = await asyncio.gather(
                    *(
                        collection.find_one({"_id": i}, {OUTBOX_FIELD: 1})
                        for i, entries in known.items()
                        if entries is None
                    )
                )
                docs += [doc for doc in found if doc is not None]
                published += await self._publish_documents(collection, docs)
        except BaseException:
            self._hints |= hints  # retried at the next cycle; the poll would find them too
            raise
        return published

    async def drain_once(self, full_scan: bool = False) -> int:
        """Publish one batch of pending events per collection; returns how many."""
        published, _ = await self._drain_batch(full_scan)
        return published

    async def _drain_batch(self, full_scan: bool) -> tuple[int, bool]:
        """One batch per collection: (events published, whether a batch came back full).

        A collection whose batch hit an outage does not stop the others; the
        first outage is raised at the end so the loop backs off.
        """
        published = 0
        pending = 0
        more = False
        outage: BaseException | None = None
        query = ANY_PENDING if full_scan else PENDING
        for collection in self.collections:
            # One indexed query per collection and cycle (no separate count
            # for the metric).
            docs = await collection.find(query, {OUTBOX_FIELD: 1}).limit(self.batch_size).to_list()
            pending += sum(len(doc.get(OUTBOX_FIELD, [])) for doc in docs)
            more |= len(docs) >= self.batch_size
            try:
                published += await self._publish_documents(collection, docs)
            except Exception as exc:
                outage = outage or exc
        # Unpublished events this poll found (in at most a batch of documents each).
        metrics.OUTBOX_PENDING.labels(self.service).set(pending)
        if outage is not None:
            raise outage
        return published, more

    async def _publish_documents(self, collection: Collection, docs: list[Document]) -> int:
        """Publish several documents' outboxes at once, then clear each published one.

        All records are handed to the producer first and acknowledged together
        (one round trip for the batch instead of one per document); each
        document's records keep their order, and one aggregate's events are
        always in one document, so per-aggregate order holds. A document is
        cleared when each of its entries was either acknowledged or parked as
        unpublishable; an outage leaves it (and every later one) pending, and
        is raised after the others were cleared.
        """
        outgoing: list[_Outgoing] = []
        outage: BaseException | None = None
        for doc in docs:
            KNOWN_OUTBOXES.forget(collection, doc["_id"])  # read or taken: no longer news
            entries = doc.get(OUTBOX_FIELD, [])
            if not entries:
                await self._lower_flag(collection, doc["_id"])
                continue
            if outage is not None:
                continue  # Kafka is away: the rest waits for the next cycle
            item = _Outgoing(doc["_id"], entries)
            outgoing.append(item)
            await self._enqueue(item)
            outage = item.outage
        await asyncio.gather(
            *(
                asyncio.gather(*(f for *_, f in item.sent), return_exceptions=True)
                for item in outgoing
            )
        )
        for item in outgoing:
            self._collect(item)
        done = [item for item in outgoing if item.outage is None]
        clearing = asyncio.Semaphore(CLEAR_CONCURRENCY)

        async def finish(item: _Outgoing) -> None:
            async with clearing:
                if item.poisoned:
                    await self._park(collection, item)
                await self._clear(collection, item.doc_id, item.entries)
            for _, envelope, _ in item.sent:
                metrics.EVENTS_PUBLISHED.labels(self.service, envelope.type).inc()

        await asyncio.gather(*(finish(item) for item in done))
        for item in outgoing:
            if item.outage is not None:
                raise item.outage  # the unpublished documents stay pending
        return sum(len(item.sent) for item in done)

    async def _enqueue(self, item: _Outgoing) -> None:
        """Hand a document's records to the producer; poison entries are set aside."""
        for entry in item.entries:
            try:
                envelope = Envelope.model_validate(entry)
                record = encode_record(envelope)
            except Exception as exc:  # no longer a valid event: it never will be
                item.poisoned.append((entry, f"invalid outbox entry: {type(exc).__name__}: {exc}"))
                continue
            size = record_size(record)
            if size > MAX_REQUEST_BYTES:
                item.poisoned.append(
                    (entry, f"record of {size} bytes exceeds the limit of {MAX_REQUEST_BYTES}")
                )
                continue
            try:
                future = await self.producer.send(
                    record.topic, value=record.value, key=record.key, headers=record.headers
                )
            except _TOO_LARGE as exc:
                item.poisoned.append((entry, f"{type(exc).__name__}: {exc}"))
                continue
            except Exception as exc:
                item.outage = exc
                return
            item.sent.append((entry, envelope, future))

    def _collect(self, item: _Outgoing) -> None:
        """Sort the acknowledgements: sent, refused for good (parked), or an outage."""
        for sent in list(item.sent):
            entry, _, future = sent
            error: BaseException | None = (
                asyncio.CancelledError() if future.cancelled() else future.exception()
            )
            if error is None:
                continue
            if isinstance(error, _TOO_LARGE):
                item.sent.remove(sent)
                item.poisoned.append((entry, f"{type(error).__name__}: {error}"))
            elif item.outage is None:
                item.outage = error

    async def _park(self, collection: Collection, item: _Outgoing) -> None:
        """Keep the unpublishable entries for a person, before they leave the outbox.

        The id is derived from what is parked, so a crash before the outbox is
        cleared parks the same entries again into the same document.
        """
        entries = [entry for entry, _ in item.poisoned]
        errors = [error for _, error in item.poisoned]
        fingerprint = json.dumps(
            [collection.name, str(item.doc_id), entries], sort_keys=True, default=str
        )
        with contextlib.suppress(DuplicateKeyError):  # parked already
            await self.dead_letters.update_one(
                {"_id": hashlib.sha256(fingerprint.encode()).hexdigest()},
                {
                    "$setOnInsert": {
                        "service": self.service,
                        "collection": collection.name,
                        "document_id": item.doc_id,
                        "entries": entries,
                        "errors": errors,
                        "error": errors[0],
                        "parked_at": datetime.now(UTC),
                    }
                },
                upsert=True,
            )
        metrics.OUTBOX_DEAD_LETTERED.labels(self.service).inc(len(entries))
        log.error(
            "outbox entries dead-lettered",
            extra={
                "collection": collection.name,
                "document_id": str(item.doc_id),
                "event_ids": [e.get("id") if isinstance(e, dict) else None for e in entries],
                "error": errors[0],
                "dead_letters": DEAD_LETTERS,
            },
        )

    async def _clear(self, collection: Collection, doc_id: Any, entries: list[Any]) -> None:
        # Usually nothing was pushed since we read: the outbox is still exactly
        # these entries, so one write empties it and lowers the flag.
        cleared = await collection.update_one(
            {"_id": doc_id, OUTBOX_FIELD: entries},
            {"$set": {OUTBOX_FIELD: [], PENDING_FLAG: False}},
        )
        if cleared.matched_count == 0:
            # Another write pushed events meanwhile: remove exactly ours with
            # `$pullAll` (not `$pull` with a condition: FerretDB silently matches
            # nothing for that); theirs are different values, stay, and keep the flag.
            await collection.update_one({"_id": doc_id}, {"$pullAll": {OUTBOX_FIELD: entries}})
            await self._lower_flag(collection, doc_id)

    async def _lower_flag(self, collection: Collection, doc_id: Any) -> None:
        # Only when nothing new was pushed meanwhile: a concurrent writer's
        # events keep the flag up (single-document writes are atomic).
        await collection.update_one(
            {"_id": doc_id, f"{OUTBOX_FIELD}.0": {"$exists": False}},
            {"$set": {PENDING_FLAG: False}},
        )


def relay_lease(db: Database, service: str, holder: str) -> Lease:
    return Lease(db["leases"], f"{service}:outbox-relay", timedelta(seconds=15), holder)
