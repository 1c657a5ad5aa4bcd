"""Every notification query; state and its events are written in one update.

The `_id` is derived from the dedupe key (and `dedupe_key` has a unique index
too): two replicas (or a replayed event) that create the same reminder
collide, and the second insert is dropped. Saves are
conditional on `rev`, bumped by every write, so concurrent changes (the
dispatcher recording a delivery while the recipient acknowledges) never
overwrite each other: the loser reloads and re-applies. Dispatch claims are a
conditional update with an expiry, so one replica sends a notification at a
time and a crashed replica's claim lapses.

Every hot query is an indexed equality (FerretDB on PostgreSQL pushes down
only top-level scalar equalities; `$in`, `$or`, ranges and `null` are
filtered in Go after reading every row the rest selects). So the states they
ask about are stored as flags, written by `to_document` in the same write as
the state they derive from: `open` (the dispatcher), `unread` (inbox badge),
`awaiting_ack` (the acknowledgement escalation). The filters are functions
here so the query-plan tests check exactly what the code runs.

Inbox pages are read month by month (`inbox_month`, newest first), from the
months a small per-recipient document lists: FerretDB never pushes a sort or
a limit down, so a page that asked for the recipient's whole inbox would read
every notice of the year to show twenty.
"""

from __future__ import annotations

import abc
import asyncio
from datetime import datetime, timedelta
from typing import Any

from pymongo import ASCENDING, DESCENDING, ReturnDocument
from pymongo.errors import DuplicateKeyError

from lingban_contracts.events.notifications import Channel
from lingban_kit.leases import database_time
from lingban_kit.migrations import run_once
from lingban_kit.mongo import Collection, Database, Document, insert_new, upsert_one
from lingban_kit.outbox import OUTBOX_FIELD, PENDING_FLAG, outbox_fields, with_events
from lingban_notifications.notifications.domain import (
    Delivery,
    DeliveryStatus,
    Notification,
    notification_id,
)

NOTIFICATIONS = "notifications"
# `existing_keys` looks keys up by `_id`, this many at a time.
LOOKUP_CONCURRENCY = 32
# `add_many` inserts this many notices per command.
INSERTS_PER_COMMAND = 100
# `claim_due` claims this many notices at once (each claim is one conditional write).
CLAIM_CONCURRENCY = 8
NEWEST_FIRST = [("created_at", DESCENDING), ("_id", ASCENDING)]
# Per recipient: the months (YYYY-MM, UTC) in which it was sent notices.
INBOX_MONTHS = "notification_inbox_months"
_NO_OUTBOX = {OUTBOX_FIELD: 0, PENDING_FLAG: 0}


class NotificationRepository(abc.ABC):
    # Where the notifications live: the relay publishes their events from there.
    collection_name = NOTIFICATIONS

    @abc.abstractmethod
    async def add(self, n: Notification) -> bool:
        """Insert; False when a notification with the same dedupe key exists."""

    async def add_many(self, notices: list[Notification]) -> list[Notification]:
        """Insert each; returns those inserted (one whose dedupe key exists is refused).
        One at a time here; a repository that can batch the inserts does."""
        return [n for n in notices if await self.add(n)]

    @abc.abstractmethod
    async def existing_keys(self, keys: list[str]) -> set[str]:
        """Which of these dedupe keys have a notification (never deleted, so never wrong
        when it says yes; a key created meanwhile is still refused by `add`)."""

    @abc.abstractmethod
    async def get(self, notification_id: str) -> tuple[Notification, int] | None:
        """The notification and its `rev` (for a conditional save)."""

    @abc.abstractmethod
    async def save(
        self, n: Notification, rev: int, claim: str | None = None, *, release: bool = True
    ) -> bool:
        """Store state + pending events if `rev` is unchanged.

        Only the claimer touches a claim: `claim` is the caller's own (the
        dispatcher's), released with this write when `release` and still held
        by it. A save without `claim` (a read, a signature, an escalation
        mark, a replay) leaves any claim alone, so the dispatcher can still
        record the outcome of a send in flight (R2). The write never requires
        the claim: `rev` alone keeps concurrent changes from overwriting each
        other, and an outcome must be recorded even if the claim lapsed.
        """

    @abc.abstractmethod
    async def claim_due(
        self,
        now: datetime,
        holder: str,
        hold: timedelta,
        limit: int,
        *,
        put_off: bool = True,
        recipient_id: str | None = None,
    ) -> list[tuple[Notification, int]]:
        """Claim up to `limit` notices due by `now`; with `put_off` false, only those
        due soon (`Notification.due_soon`): what was put off is left unread. With
        `recipient_id`, only that recipient's (a digest gathering its notices)."""

    @abc.abstractmethod
    async def inbox(
        self, recipient_ids: list[str], *, unread_only: bool, limit: int, offset: int
    ) -> list[Notification]: ...

    @abc.abstractmethod
    async def unread_count(self, recipient_ids: list[str]) -> int: ...

    @abc.abstractmethod
    async def dead_letters(self, limit: int) -> list[Notification]: ...

    @abc.abstractmethod
    async def awaiting_ack(self, sent_before: datetime) -> list[Notification]: ...


# ---- the hot filters (each served by an index below) -----------------------------
def id_filter(notification_id: str) -> Document:
    """Dedupe pre-check, reads, saves, claims: the unique `_id` index."""
    return {"_id": notification_id}


def due_soon_filter(now: datetime) -> Document:
    """Dispatcher, every pass: index (due_soon, next_due_at) serves `due_soon`; the time
    is checked on those (few: what was put off for later is not among them)."""
    return {"due_soon": True, "next_due_at": {"$lte": now}}


def due_filter(now: datetime) -> Document:
    """Dispatcher, full pass: index (open, next_due_at) serves `open`; the time is checked on those
    (by PostgreSQL on our FerretDB, infra/ferretdb/patches/0008)."""
    return {"open": True, "next_due_at": {"$lte": now}}


def recipient_due_filter(recipient_id: str, now: datetime) -> Document:
    """A digest gathering one recipient's due notices: index (recipient_id, open); the
    time is checked on that recipient's open notices (few but in a sweep)."""
    return {"recipient_id": recipient_id, "open": True, "next_due_at": {"$lte": now}}


def inbox_month(at: datetime) -> str:
    return at.strftime("%Y-%m")


def inbox_filter(recipient_id: str, *, unread_only: bool, month: str | None = None) -> Document:
    """One recipient's inbox (one month of it for a page): index (recipient_id, inbox_month);
    the unread badge: index (recipient_id, unread)."""
    query: Document = {"recipient_id": recipient_id}
    query |= {"unread": True} if unread_only else {"in_inbox": True}
    if month is not None:
        query["inbox_month"] = month
    return query


def awaiting_ack_filter(sent_before: datetime) -> Document:
    """Acknowledgement escalation: index (awaiting_ack); the time is checked on those
    (by PostgreSQL on our FerretDB, patch 0008: not every flagged notice is decoded)."""
    return {"awaiting_ack": True, "first_sent_at": {"$lte": sent_before}}


def dead_letter_filter() -> Document:
    return {"has_dead": True}


async def ensure_notification_indexes(db: Database) -> None:
    coll = db[NOTIFICATIONS]
    # Uniqueness only (the `_id`, derived from the key, already refuses a copy).
    await coll.create_index("dedupe_key", unique=True)
    await coll.create_index([("open", ASCENDING), ("next_due_at", ASCENDING)])
    await coll.create_index([("due_soon", ASCENDING), ("next_due_at", ASCENDING)])
    await coll.create_index([("recipient_id", ASCENDING), ("created_at", DESCENDING)])
    await coll.create_index([("recipient_id", ASCENDING), ("unread", ASCENDING)])
    await coll.create_index([("recipient_id", ASCENDING), ("inbox_month", ASCENDING)])
    # A digest gathering a recipient's due notices: its open ones, not its year's history.
    await coll.create_index([("recipient_id", ASCENDING), ("open", ASCENDING)])
    await coll.create_index("awaiting_ack")
    await coll.create_index("has_dead")


FLAGS_MIGRATION = "notification-flags-v1"


async def backfill_flags(db: Database) -> None:
    """Give notifications written before the `unread`/`awaiting_ack` flags existed
    their flags, once per database (later writes keep them right)."""
    await run_once(db, FLAGS_MIGRATION, lambda: _backfill_flags(db[NOTIFICATIONS]))


async def _backfill_flags(coll: Collection) -> int:
    missing = {"$or": [{"unread": {"$exists": False}}, {"awaiting_ack": {"$exists": False}}]}
    fixed = 0
    async for doc in coll.find(missing, _NO_OUTBOX):
        n = from_document(doc)
        # Conditional on `rev`: a save meanwhile has written the flags itself.
        result = await coll.update_one(
            {"_id": n.id, "rev": doc["rev"]},
            {"$set": {"unread": n.unread, "awaiting_ack": n.awaiting_ack}},
        )
        fixed += result.modified_count
    return fixed


DUE_SOON_MIGRATION = "notification-due-soon-v1"


async def backfill_due_soon(db: Database) -> None:
    """Give open notifications written before `due_soon` existed the flag, once per
    database: as due soon (nothing of theirs was marked put off), so every pass reads
    them until their next write sets it right."""
    await run_once(db, DUE_SOON_MIGRATION, lambda: _backfill_due_soon(db[NOTIFICATIONS]))


async def _backfill_due_soon(coll: Collection) -> int:
    result = await coll.update_many(
        {"open": True, "due_soon": {"$exists": False}}, {"$set": {"due_soon": True}}
    )
    return result.modified_count


INBOX_MONTHS_MIGRATION = "notification-inbox-months-v1"


async def backfill_inbox_months(db: Database) -> None:
    """Give notifications written before inbox months existed their month, and list it
    for their recipient, once per database (later writes do both themselves)."""
    await run_once(db, INBOX_MONTHS_MIGRATION, lambda: _backfill_inbox_months(db))


async def _backfill_inbox_months(db: Database) -> int:
    coll, months = db[NOTIFICATIONS], db[INBOX_MONTHS]
    fixed = 0
    async for doc in coll.find(
        {"inbox_month": {"$exists": False}}, {"recipient_id": 1, "created_at": 1}
    ):
        month = inbox_month(doc["created_at"])
        await _list_month(months, doc["recipient_id"], month)
        result = await coll.update_one({"_id": doc["_id"]}, {"$set": {"inbox_month": month}})
        fixed += result.modified_count
    return fixed


async def _list_month(months: Collection, recipient_id: str, month: str) -> None:
    await upsert_one(months, {"_id": recipient_id}, {"$addToSet": {"months": month}})


# (database, recipient, month) already listed by this process: the list only grows,
# so a month once listed need not be written again. Bounded: cleared when full.
_LISTED: set[tuple[str, str, str]] = set()
_LISTED_MAX = 100_000


def new_document(n: Notification) -> Document:
    """A notice as first inserted: its state and its events to publish, one write."""
    return to_document(n, rev=1) | outbox_fields(n.pending_events)


def _released(update: Document) -> Document:
    return {**update, "$unset": {"claim": "", "claim_until": ""}}


def _dt(value: Any) -> datetime | None:
    return value if value is None or isinstance(value, datetime) else None


def to_document(n: Notification, rev: int) -> Document:
    return {
        "_id": n.id,
        "dedupe_key": n.dedupe_key,
        "rule_id": n.rule_id,
        "kind": n.kind,
        "recipient_id": n.recipient_id,
        "recipient_kind": n.recipient_kind,
        "recipient_name": n.recipient_name,
        "unit_code": n.unit_code,
        "subject_type": n.subject_type,
        "subject_id": n.subject_id,
        "subject_unit_code": n.subject_unit_code,
        "period": n.period,
        "title": n.title,
        "body": n.body,
        "link": n.link,
        "created_at": n.created_at,
        "inbox_month": inbox_month(n.created_at),
        "requires_ack": n.requires_ack,
        "deliveries": {
            c.value: {
                "status": d.status.value,
                "next_attempt_at": d.next_attempt_at,
                "attempts": d.attempts,
                "last_error": d.last_error,
                "sent_at": d.sent_at,
                "digest_id": d.digest_id,
                "key": d.key,
                "put_off": d.put_off,
            }
            for c, d in n.deliveries.items()
        },
        "read_at": n.read_at,
        "acknowledged_at": n.acknowledged_at,
        "acknowledged_by": n.acknowledged_by,
        "ack_escalated": n.ack_escalated,
        "version": n.version,
        "rev": rev,
        # Denormalised for the indexed queries below.
        "open": n.open,
        "due_soon": n.due_soon,
        "next_due_at": n.next_due_at,
        "has_dead": n.has_dead,
        "in_inbox": n.in_inbox,
        "unread": n.unread,
        "first_sent_at": n.first_sent_at,
        "awaiting_ack": n.awaiting_ack,
    }


def from_document(doc: Document) -> Notification:
    return Notification(
        id=doc["_id"],
        dedupe_key=doc["dedupe_key"],
        rule_id=doc["rule_id"],
        kind=doc["kind"],
        recipient_id=doc["recipient_id"],
        recipient_kind=doc["recipient_kind"],
        recipient_name=doc["recipient_name"],
        unit_code=doc["unit_code"],
        subject_type=doc["subject_type"],
        subject_id=doc["subject_id"],
        subject_unit_code=doc.get("subject_unit_code"),
        period=doc["period"],
        title=doc["title"],
        body=doc["body"],
        link=doc["link"],
        created_at=doc["created_at"],
        requires_ack=doc["requires_ack"],
        deliveries={
            Channel(c): Delivery(
                channel=Channel(c),
                status=DeliveryStatus(d["status"]),
                next_attempt_at=d["next_attempt_at"],
                attempts=d["attempts"],
                last_error=d.get("last_error"),
                sent_at=_dt(d.get("sent_at")),
                digest_id=d.get("digest_id"),
                key=d.get("key"),
                put_off=d.get("put_off", False),
            )
            for c, d in doc["deliveries"].items()
        },
        read_at=_dt(doc.get("read_at")),
        acknowledged_at=_dt(doc.get("acknowledged_at")),
        acknowledged_by=doc.get("acknowledged_by"),
        ack_escalated=doc.get("ack_escalated", False),
        version=doc["version"],
    )


class MongoNotificationRepository(NotificationRepository):
    def __init__(self, db: Database) -> None:
        self.collection: Collection = db[NOTIFICATIONS]
        self.months: Collection = db[INBOX_MONTHS]

    async def add(self, n: Notification) -> bool:
        await self._list_months([n])
        try:
            await self.collection.insert_one(new_document(n))
        except DuplicateKeyError:
            return False
        n.pending_events.clear()
        return True

    async def add_many(self, notices: list[Notification]) -> list[Notification]:
        """Unordered bulk inserts: a sweep creates thousands of notices, and one round
        trip each was most of its time (docs/performance.md). A crash part way leaves
        some inserted; the next tick finds their keys and inserts the rest."""
        added: list[Notification] = []
        for start in range(0, len(notices), INSERTS_PER_COMMAND):
            chunk = notices[start : start + INSERTS_PER_COMMAND]
            await self._list_months(chunk)
            # Refused: another replica created those since we looked.
            refused = await insert_new(self.collection, [new_document(n) for n in chunk])
            for index, n in enumerate(chunk):
                if index not in refused:
                    n.pending_events.clear()
                    added.append(n)
        return added

    async def _list_months(self, notices: list[Notification]) -> None:
        """A notice's inbox month is listed before the notice is written: a crash in
        between leaves a listed month with nothing in it (one empty read), never a
        notice that no page would reach."""
        for n in notices:
            listed = (self.collection.database.name, n.recipient_id, inbox_month(n.created_at))
            if listed in _LISTED:
                continue
            await _list_month(self.months, n.recipient_id, listed[2])
            if len(_LISTED) >= _LISTED_MAX:
                _LISTED.clear()
            _LISTED.add(listed)

    async def existing_keys(self, keys: list[str]) -> set[str]:
        # One `_id` lookup per key (`{_id: {$in: …}}` would read the whole
        # collection on FerretDB), a bounded number at a time.
        found: set[str] = set()
        for start in range(0, len(keys), LOOKUP_CONCURRENCY):
            chunk = keys[start : start + LOOKUP_CONCURRENCY]
            docs = await asyncio.gather(
                *(
                    self.collection.find_one(id_filter(notification_id(k)), {"_id": 1})
                    for k in chunk
                )
            )
            found |= {k for k, doc in zip(chunk, docs, strict=True) if doc is not None}
        return found

    async def get(self, notification_id: str) -> tuple[Notification, int] | None:
        doc = await self.collection.find_one(id_filter(notification_id), _NO_OUTBOX)
        return (from_document(doc), doc["rev"]) if doc else None

    async def save(
        self, n: Notification, rev: int, claim: str | None = None, *, release: bool = True
    ) -> bool:
        state = to_document(n, rev + 1)
        state.pop("_id")
        update: Document = {"$set": state}
        if n.pending_events:
            update = with_events(update, n.pending_events)
        query: Document = {"_id": n.id, "rev": rev}
        releasing = claim is not None and release
        # Common case, one write: still ours, so state and release together.
        if releasing and await self._matched({**query, "claim": claim}, _released(update)):
            n.pending_events.clear()
            return True
        if not await self._matched(query, update):
            return False
        n.pending_events.clear()
        if releasing:  # the claim lapsed or was never taken: release it only if ours
            await self.collection.update_one({"_id": n.id, "claim": claim}, _released({}))
        return True

    async def _matched(self, query: Document, update: Document) -> bool:
        result = await self.collection.update_one(query, update)
        return result.matched_count > 0

    async def claim_due(
        self,
        now: datetime,
        holder: str,
        hold: timedelta,
        limit: int,
        *,
        put_off: bool = True,
        recipient_id: str | None = None,
    ) -> list[tuple[Notification, int]]:
        if recipient_id is not None:
            query = recipient_due_filter(recipient_id, now)
        else:
            query = due_filter(now) if put_off else due_soon_filter(now)
        candidates = await self.collection.find(
            query, {"_id": 1, "claim": 1, "claim_until": 1}
        ).to_list(limit * 4)
        # Claims expire on the database's clock, not this replica's: `claim_until` was
        # written by another replica, and one running ahead would take live claims
        # (a second send) (R12). `now` (this replica's) only says what is due.
        claim_now = await database_time(self.collection)
        # A claim of our own is free to us: a holder is one dispatcher, one pass at a
        # time, so ours is left over from a pass that failed before it released it (a
        # claim whose answer was lost with the database). Waiting for it to lapse held
        # that notice back for the whole hold (minutes).
        free = [
            c["_id"]
            for c in candidates
            if c.get("claim_until") is None
            or c["claim_until"] <= claim_now
            or c.get("claim") == holder
        ]
        gate = asyncio.Semaphore(CLAIM_CONCURRENCY)

        async def claim(notification_id: Any) -> tuple[Notification, int] | None:
            async with gate:
                doc = await self.collection.find_one_and_update(
                    {
                        "_id": notification_id,
                        "open": True,
                        "$or": [
                            {"claim_until": None},
                            {"claim_until": {"$lte": claim_now}},
                            {"claim": holder},
                        ],
                    },
                    {"$set": {"claim": holder, "claim_until": claim_now + hold}},
                    # No projection: FerretDB's findAndModify does not implement one.
                    return_document=ReturnDocument.AFTER,
                )
            if doc is not None and doc.get("claim") == holder:
                return from_document(doc), doc["rev"]
            return None

        # Side by side, in rounds of what is still missing up to `limit` (another
        # replica may take some), in the order they fell due.
        claimed: list[tuple[Notification, int]] = []
        while free and len(claimed) < limit:
            wave, free = free[: limit - len(claimed)], free[limit - len(claimed) :]
            claimed += [c for c in await asyncio.gather(*map(claim, wave)) if c is not None]
        return claimed

    async def inbox(
        self, recipient_ids: list[str], *, unread_only: bool, limit: int, offset: int
    ) -> list[Notification]:
        # Per recipient (a user reads a few inboxes): its months newest first, one
        # equality query each, until the page's end is reached; then merged newest first.
        # On our FerretDB each month's query returns only what the page still needs,
        # sorted by PostgreSQL (patch 0007), not the whole month.
        window = offset + limit

        async def newest(recipient_id: str) -> list[Document]:
            listed = await self.months.find_one({"_id": recipient_id})
            found: list[Document] = []
            for month in sorted(listed.get("months", []) if listed else [], reverse=True):
                query = inbox_filter(recipient_id, unread_only=unread_only, month=month)
                cursor = self.collection.find(query, _NO_OUTBOX).sort(NEWEST_FIRST)
                found += await cursor.limit(window - len(found)).to_list(None)
                if len(found) >= window:
                    break
            return found

        pages = await asyncio.gather(*(newest(r) for r in dict.fromkeys(recipient_ids)))
        docs = [d for page in pages for d in page]
        docs.sort(key=lambda d: str(d["_id"]))
        docs.sort(key=lambda d: d["created_at"], reverse=True)  # stable: ties stay by `_id`
        return [from_document(d) for d in docs[offset:window]]

    async def unread_count(self, recipient_ids: list[str]) -> int:
        counts = await asyncio.gather(
            *(
                self.collection.count_documents(inbox_filter(r, unread_only=True))
                for r in dict.fromkeys(recipient_ids)
            )
        )
        return sum(counts)

    async def dead_letters(self, limit: int) -> list[Notification]:
        cursor = self.collection.find(dead_letter_filter(), _NO_OUTBOX).sort(
            "created_at", ASCENDING
        )
        return [from_document(d) async for d in cursor.limit(limit)]

    async def awaiting_ack(self, sent_before: datetime) -> list[Notification]:
        cursor = self.collection.find(awaiting_ack_filter(sent_before), _NO_OUTBOX)
        return [from_document(d) async for d in cursor]
