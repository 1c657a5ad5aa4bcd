"""Every notification query; state and its events are written in one update.

The `_id` is derived from the dedupe key (and `dedupe_key` has a unique index
too): two replicas (or a replayed event) that create the same reminder
collide, and the second insert is dropped. Saves are
conditional on `rev`, bumped by every write, so concurrent changes (the
dispatcher recording a delivery while the recipient acknowledges) never
overwrite each other: the loser reloads and re-applies. Dispatch claims are a
conditional update with an expiry, so one replica sends a notification at a
time and a crashed replica's claim lapses.
"""

from __future__ import annotations

import abc
from datetime import datetime, timedelta
from typing import Any

from pymongo import ASCENDING, DESCENDING, ReturnDocument
from pymongo.errors import DuplicateKeyError

from lingban_contracts.events.notifications import Channel
from lingban_kit.mongo import Collection, Database, Document
from lingban_kit.outbox import OUTBOX_FIELD, PENDING_FLAG, outbox_fields, with_events
from lingban_notifications.notifications.domain import (
    Delivery,
    DeliveryStatus,
    Notification,
    notification_id,
)

NOTIFICATIONS = "notifications"


class NotificationRepository(abc.ABC):
    @abc.abstractmethod
    async def add(self, n: Notification) -> bool:
        """Insert; False when a notification with the same dedupe key exists."""

    @abc.abstractmethod
    async def existing_keys(self, keys: list[str]) -> set[str]: ...

    @abc.abstractmethod
    async def get(self, notification_id: str) -> tuple[Notification, int] | None:
        """The notification and its `rev` (for a conditional save)."""

    @abc.abstractmethod
    async def save(self, n: Notification, rev: int, claim: str | None = None) -> bool:
        """Store state + pending events if `rev` is unchanged; releases `claim`."""

    @abc.abstractmethod
    async def claim_due(
        self, now: datetime, holder: str, hold: timedelta, limit: int
    ) -> list[tuple[Notification, int]]: ...

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


async def ensure_notification_indexes(db: Database) -> None:
    coll = db[NOTIFICATIONS]
    await coll.create_index("dedupe_key", unique=True)
    await coll.create_index([("open", ASCENDING), ("next_due_at", ASCENDING)])
    await coll.create_index([("recipient_id", ASCENDING), ("created_at", DESCENDING)])
    await coll.create_index("has_dead")


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
        "requires_ack": n.requires_ack,
        "deliveries": {
            c.value: {
                "status": d.status.value,
                "next_attempt_at": d.next_attempt_at,
                "attempts": d.attempts,
                "last_error": d.last_error,
                "sent_at": d.sent_at,
                "digest_id": d.digest_id,
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
        "next_due_at": n.next_due_at,
        "has_dead": n.has_dead,
        "in_inbox": n.in_inbox,
        "first_sent_at": n.first_sent_at,
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
            )
            for c, d in doc["deliveries"].items()
        },
        read_at=_dt(doc.get("read_at")),
        acknowledged_at=_dt(doc.get("acknowledged_at")),
        acknowledged_by=doc.get("acknowledged_by"),
        ack_escalated=doc.get("ack_escalated", False),
        version=doc["version"],
    )


_NO_OUTBOX = {OUTBOX_FIELD: 0, PENDING_FLAG: 0}


class MongoNotificationRepository(NotificationRepository):
    def __init__(self, db: Database) -> None:
        self.collection: Collection = db[NOTIFICATIONS]

    async def add(self, n: Notification) -> bool:
        doc = to_document(n, rev=1) | outbox_fields(n.pending_events)
        try:
            await self.collection.insert_one(doc)
        except DuplicateKeyError:
            return False
        n.pending_events.clear()
        return True

    async def existing_keys(self, keys: list[str]) -> set[str]:
        found: set[str] = set()
        for start in range(0, len(keys), 500):
            ids = [notification_id(k) for k in keys[start : start + 500]]
            query = {"_id": {"$in": ids}}
            found |= {d["dedupe_key"] async for d in self.collection.find(query, {"dedupe_key": 1})}
        return found

    async def get(self, notification_id: str) -> tuple[Notification, int] | None:
        doc = await self.collection.find_one({"_id": notification_id}, _NO_OUTBOX)
        return (from_document(doc), doc["rev"]) if doc else None

    async def save(self, n: Notification, rev: int, claim: str | None = None) -> bool:
        state = to_document(n, rev + 1)
        state.pop("_id")
        update: Document = {"$set": state, "$unset": {"claim": "", "claim_until": ""}}
        if n.pending_events:
            update = with_events(update, n.pending_events)
        query: Document = {"_id": n.id, "rev": rev}
        if claim is not None:
            query["claim"] = claim
        result = await self.collection.update_one(query, update)
        if result.matched_count == 0:
            return False
        n.pending_events.clear()
        return True

    async def claim_due(
        self, now: datetime, holder: str, hold: timedelta, limit: int
    ) -> list[tuple[Notification, int]]:
        query = {"open": True, "next_due_at": {"$lte": now}}
        candidates = await self.collection.find(query, {"_id": 1, "claim_until": 1}).to_list(
            limit * 4
        )
        claimed: list[tuple[Notification, int]] = []
        for c in candidates:
            if len(claimed) >= limit:
                break
            until = c.get("claim_until")
            if until is not None and until > now:
                continue
            doc = await self.collection.find_one_and_update(
                {
                    "_id": c["_id"],
                    "open": True,
                    "$or": [{"claim_until": None}, {"claim_until": {"$lte": now}}],
                },
                {"$set": {"claim": holder, "claim_until": now + hold}},
                # No projection: FerretDB's findAndModify does not implement one.
                return_document=ReturnDocument.AFTER,
            )
            if doc is not None and doc.get("claim") == holder:
                claimed.append((from_document(doc), doc["rev"]))
        return claimed

    async def inbox(
        self, recipient_ids: list[str], *, unread_only: bool, limit: int, offset: int
    ) -> list[Notification]:
        query: Document = {"recipient_id": {"$in": recipient_ids}, "in_inbox": True}
        if unread_only:
            query["read_at"] = None
        cursor = (
            self.collection.find(query, _NO_OUTBOX)
            .sort([("created_at", DESCENDING), ("_id", ASCENDING)])
            .skip(offset)
            .limit(limit)
        )
        return [from_document(d) async for d in cursor]

    async def unread_count(self, recipient_ids: list[str]) -> int:
        return await self.collection.count_documents(
            {"recipient_id": {"$in": recipient_ids}, "in_inbox": True, "read_at": None}
        )

    async def dead_letters(self, limit: int) -> list[Notification]:
        cursor = self.collection.find({"has_dead": True}, _NO_OUTBOX).sort("created_at", ASCENDING)
        return [from_document(d) async for d in cursor.limit(limit)]

    async def awaiting_ack(self, sent_before: datetime) -> list[Notification]:
        query = {
            "requires_ack": True,
            "acknowledged_at": None,
            "ack_escalated": False,
            "first_sent_at": {"$ne": None, "$lte": sent_before},
        }
        return [from_document(d) async for d in self.collection.find(query, _NO_OUTBOX)]
