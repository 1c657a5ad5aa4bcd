"""Transactional outbox without transactions.

A state change and the events it causes are written in ONE document update:
the aggregate document carries an `outbox` array, and the repository `$push`es
the new envelopes in the same `update_one` that changes the state. The relay
publishes each document's pending events in order and then `$pull`s them. A
crash between the two publishes them again (at-least-once); consumers drop the
duplicates by event id / aggregate version.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from aiokafka import AIOKafkaProducer

from lingban_contracts import Envelope, encode_record
from lingban_kit import metrics
from lingban_kit.kafka import enqueue_records
from lingban_kit.leases import Lease
from lingban_kit.mongo import Collection, Database, Document

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


def push_events(envelopes: Sequence[Envelope]) -> Document:
    """The `$push` part of an update that records events with a state change."""
    return {OUTBOX_FIELD: {"$each": [e.model_dump(mode="json") for e in envelopes]}}


def outbox_fields(envelopes: Sequence[Envelope]) -> Document:
    """The outbox fields of a new document (for `insert_one`)."""
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


async def ensure_outbox_index(collection: Collection) -> None:
    await collection.create_index(PENDING_FLAG)


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
    ) -> None:
        self.service = service
        self.collections: list[Collection] = [db[name] for name in collections]
        self.producer = producer
        self.lease = lease
        self.poll_seconds = poll_seconds
        self.batch_size = batch_size
        self._by_name = {c.name: c for c in self.collections}
        self._hints: set[tuple[str, Any]] = set()
        self._wakeup = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

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
        for collection in self.collections:
            await ensure_outbox_index(collection)
        full = True  # the first drain also finds documents without the flag
        while True:
            try:
                hinted = self._wakeup.is_set() and self._hints and not full
                if hinted and await self.lease.acquire():
                    await self.drain_hinted()
                else:
                    # Renew the lease between batches so a long backlog keeps it;
                    # stop as soon as a batch came back short (no more backlog),
                    # instead of paying for one more empty query.
                    while await self.lease.acquire():
                        _, more = await self._drain_batch(full_scan=full)
                        if not more:
                            full = False
                            break
            except asyncio.CancelledError:
                raise
            except Exception:
                metrics.OUTBOX_ERRORS.labels(self.service).inc()
                log.exception("outbox relay cycle failed; retrying")
            if not self._hints:
                self._wakeup.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), timeout=self.poll_seconds)

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
                found = await asyncio.gather(
                    *(collection.find_one({"_id": i}, {OUTBOX_FIELD: 1}) for i in ids)
                )
                published += await self._publish_documents(
                    collection, [doc for doc in found if doc is not None]
                )
        except BaseException:
            self._hints |= hints  # retried at the next cycle; the poll would find them too
            raise
        return published

    async def drain_once(self, full_scan: bool = False) -> int:
        """Publish one batch of pending events per collection; returns how many."""
        published, _ = await self._drain_batch(full_scan)
        return published

    async def _drain_batch(self, full_scan: bool) -> tuple[int, bool]:
        """One batch per collection: (events published, whether a batch came back full)."""
        published = 0
        pending = 0
        more = False
        query = ANY_PENDING if full_scan else PENDING
        for collection in self.collections:
            # One indexed query per collection and cycle (no separate count
            # for the metric).
            docs = await collection.find(query, {OUTBOX_FIELD: 1}).limit(self.batch_size).to_list()
            pending += sum(len(doc.get(OUTBOX_FIELD, [])) for doc in docs)
            more |= len(docs) >= self.batch_size
            published += await self._publish_documents(collection, docs)
        # Unpublished events this poll found (in at most a batch of documents each).
        metrics.OUTBOX_PENDING.labels(self.service).set(pending)
        return published, more

    async def _publish_documents(self, collection: Collection, docs: list[Document]) -> int:
        """Publish several documents' outboxes at once, then clear each published one.

        All records are handed to the producer first and acknowledged together
        (one round trip for the batch instead of one per document); each
        document's records keep their order, and one aggregate's events are
        always in one document, so per-aggregate order holds. A document is
        cleared only when every one of its records was acknowledged.
        """
        pending = [(doc, doc.get(OUTBOX_FIELD, [])) for doc in docs]
        for doc, entries in pending:
            if not entries:
                await self._lower_flag(collection, doc["_id"])
        sent: list[tuple[Document, list[Any], list[Envelope], list[asyncio.Future[Any]]]] = []
        for doc, entries in pending:
            if entries:
                envelopes = [Envelope.model_validate(e) for e in entries]
                futures = await enqueue_records(
                    self.producer, [encode_record(e) for e in envelopes]
                )
                sent.append((doc, entries, envelopes, futures))
        outcomes = await asyncio.gather(
            *(asyncio.gather(*futures) for *_, futures in sent), return_exceptions=True
        )
        published = [
            item
            for item, outcome in zip(sent, outcomes, strict=True)
            if not isinstance(outcome, BaseException)
        ]
        clearing = asyncio.Semaphore(CLEAR_CONCURRENCY)

        async def clear(doc: Document, entries: list[Any], envelopes: list[Envelope]) -> None:
            async with clearing:
                await self._clear(collection, doc["_id"], entries)
            for e in envelopes:
                metrics.EVENTS_PUBLISHED.labels(self.service, e.type).inc()

        await asyncio.gather(*(clear(doc, entries, envs) for doc, entries, envs, _ in published))
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                raise outcome  # the unpublished documents stay pending for the next cycle
        return sum(len(envs) for _, _, envs, _ in published)

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
