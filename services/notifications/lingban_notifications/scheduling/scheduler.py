"""The scheduler tick: evaluate the rules once per tick, on one replica at a time.

A lease in the database makes one replica evaluate; should two evaluate
anyway (a lease handed over mid-tick), the unique dedupe key still lets each
reminder through once. Evaluation is "as of now", so the first tick after
downtime catches up once. Nothing scheduled goes out on a day off (weekends and
public holidays, with make-up working days counted as working days).

Its reads are indexed equalities: the projects filed under the slots since
the day before the last tick (`due_at`, see `due.py`; every live project, one
query per status, only when the rules, directory ids or tree changed: `$in`
would read every project ever tracked on FerretDB), the open rectifications,
and the notifications flagged `awaiting_ack`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from lingban_contracts.divisions import DivisionTree
from lingban_contracts.events.supervision import RectificationStatus
from lingban_kit.clock import LOCAL_ZONE, Clock
from lingban_kit.leases import Lease
from lingban_kit.loop_turns import LoopTurns
from lingban_kit.mongo import Database, Document
from lingban_notifications.directory.repository import Directory
from lingban_notifications.metrics import LAST_TICK
from lingban_notifications.notifications.domain import Notification
from lingban_notifications.notifications.repository import NotificationRepository
from lingban_notifications.rules.model import Kind
from lingban_notifications.rules.source import RuleSource
from lingban_notifications.scheduling.due import (
    LIVE,
    due_at_filter,
    next_due_slot,
    slot_times,
    slots_through,
    sweep_key,
)
from lingban_notifications.scheduling.evaluate import (
    Evaluator,
    ProjectSubject,
    RectificationSubject,
)
from lingban_notifications.scheduling.notices import ack_escalation_intents
from lingban_notifications.scheduling.planner import Planner
from lingban_notifications.subjects.inspections import planned_inspections
from lingban_notifications.subjects.rectifications import RECTIFICATIONS
from lingban_notifications.subjects.rosters import stationing_subjects
from lingban_notifications.subjects.tasks import waiting_tasks
from lingban_notifications.subjects.tracking import DUE_AT, SUBJECTS

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Filed:
    """A subject as the tick read it: the version and slot it was stored with."""

    subject: ProjectSubject
    version: object
    due_at: str | None


STATE = "scheduler_state"
# Beyond this many days since the last tick, every live subject is read again.
CATCH_UP_DAYS = 7
# Subjects refiled per `update` command. Small: a write command holds every document it
# names until it returns (single-document atomicity on FerretDB: infra/ferretdb's write
# serializer; on MongoDB each statement is its own write anyway), and the subjects a tick
# refiles are the projects whose events arrive right then. In commands of 500, an event
# for one of them waited for the whole command (seconds under load: the inbox lag).
REFILE_CHUNK = 16
# Due subjects per chunk of a tick (whole townships, so a chunk may hold more).
CHUNK = 200


def by_township(due: list[Filed], tree: DivisionTree, size: int) -> Iterator[list[Filed]]:
    """The due subjects in chunks of about `size`, each township's all in one chunk
    (a project of no township: its unit's)."""
    groups: dict[str, list[Filed]] = {}
    for filed in due:
        township = tree.township_of(filed.subject.unit_code)
        groups.setdefault(township.code if township else filed.subject.unit_code, []).append(filed)
    chunk: list[Filed] = []
    for code in sorted(groups):
        chunk += groups[code]
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def live_subject_filters() -> list[Document]:
    """`reminder_subjects` the rules look at; index (status)."""
    return [{"status": status} for status in LIVE]


def open_rectifications_filter() -> Document:
    """`reminder_rectifications` the rules look at; index (status)."""
    return {"status": RectificationStatus.OPEN}


@dataclass
class Scheduler:
    db: Database
    rules: RuleSource
    directory: Directory
    repo: NotificationRepository
    planner: Planner
    tree: DivisionTree
    clock: Clock
    lease: Lease
    chunk_size: int = CHUNK

    async def tick(self) -> list[Notification]:
        """Evaluate once if this replica holds the lease; returns what it created.

        The due projects are taken a few whole townships at a time: evaluated, their
        reminders created, then filed under their next slot. A township's monthly
        card lists all of its projects, so a chunk never splits one. Between chunks
        the lease is renewed; should another replica hold it by then, this tick stops
        and what it did not reach stays filed where it was, for that replica to read.
        """
        if not await self.lease.acquire():
            return []
        now = self.clock.now()
        rules = await self.rules.current()
        evaluator = Evaluator(rules, self.tree, await self.directory.all())
        key = sweep_key(rules, evaluator.directory, self.tree)
        due = await self.due_subjects(now, key, slot_times(rules))
        # Every rule reads one kind of subject: the other kinds are evaluated once.
        created = await self.planner.create(
            evaluator.evaluate(
                now,
                [],
                await self.open_rectifications(),
                await waiting_tasks(self.db),
                await stationing_subjects(self.db, now.astimezone(LOCAL_ZONE).date()),
                await planned_inspections(self.db),
            ),
            now,
        )
        turns = LoopTurns()
        for chunk in by_township(due, self.tree, self.chunk_size):
            if not await self.lease.hold():
                log.warning("scheduler lease lost mid-tick; another replica goes on")
                return created
            # An event files a project whatever its status; only the live ones owe reminders.
            subjects = [f.subject for f in chunk if f.subject.status in LIVE]
            created += await self.planner.create(evaluator.evaluate(now, subjects), now)
            # Only now that their reminders exist: file each subject under its next slot.
            moves: list[tuple[Filed, str | None]] = []
            for filed in chunk:
                moves.append((filed, next_due_slot(evaluator, filed.subject, now)))
                await turns.take()  # a sweep: the consumer and requests run meanwhile
            await self._refile(moves)
        # Unsigned notices escalate on working days only: one left over a holiday
        # is escalated on the next working day (the query is "sent before").
        today = now.astimezone(LOCAL_ZONE).date()
        escalating = rules.enabled(Kind.ACKNOWLEDGEMENT_ESCALATION)
        for rule in escalating if evaluator.calendar.is_working_day(today) else []:
            assert rule.after_hours is not None
            waiting = await self.repo.awaiting_ack(now - timedelta(hours=rule.after_hours))
            pairs = ack_escalation_intents(evaluator, rule, now, waiting)
            created += await self.planner.create([i for i, _ in pairs], now)
            for original in {n.id: n for _, n in pairs}.values():
                await self._mark_escalated(original.id)
        await self.db[STATE].update_one(
            {"_id": "scheduler"},
            {
                "$set": {
                    "last_tick_at": now,
                    "holder": self.lease.holder,
                    "due_through": today.isoformat(),
                    "sweep_key": key,
                }
            },
            upsert=True,
        )
        LAST_TICK.set(now.timestamp())
        if created:
            log.info("reminders created", extra={"count": len(created)})
        return created

    async def live_subjects(self) -> tuple[list[ProjectSubject], list[RectificationSubject]]:
        """Every live project and the open rectifications (a full sweep)."""
        subjects = [f.subject for f in await self._read(live_subject_filters())]
        return subjects, await self.open_rectifications()

    async def open_rectifications(self) -> list[RectificationSubject]:
        cursor = self.db[RECTIFICATIONS].find(open_rectifications_filter())
        return [RectificationSubject.from_document(d) async for d in cursor]

    async def due_subjects(self, now: datetime, key: str, times: list[time]) -> list[Filed]:
        """The projects that may owe a reminder now, with the version each was read at.

        The slots from the start of the day before the last tick's through now (an
        event applied just before midnight files its project under the day it was
        applied on); every live project instead when the last tick is unknown, too
        long ago, in the future, or was made under another `sweep_key`.
        """
        today = now.astimezone(LOCAL_ZONE).date()
        state = await self.db[STATE].find_one({"_id": "scheduler"}) or {}
        through = state.get("due_through")
        last = date.fromisoformat(through) if isinstance(through, str) else None
        gap = (today - last).days if last is not None else -1
        if last is None or state.get("sweep_key") != key or not 0 <= gap <= CATCH_UP_DAYS:
            return await self._read(live_subject_filters())
        slots = slots_through(last - timedelta(days=1), now, times)
        return await self._read([due_at_filter(slot) for slot in slots])

    async def _read(self, queries: list[Document]) -> list[Filed]:
        found: dict[str, Filed] = {}
        for query in queries:
            async for d in self.db[SUBJECTS].find(query):
                subject = ProjectSubject.from_document(d)
                found[subject.id] = Filed(subject, d.get("version"), d.get(DUE_AT))
        return list(found.values())

    async def _refile(self, moves: list[tuple[Filed, str | None]]) -> None:
        """Each subject under its next slot, conditional on the version read: an event
        applied meanwhile has filed the subject under its own slot, which must stay.

        One unordered `update` command per chunk (the raw command: FerretDB's answer to
        a batch is not always one PyMongo's `bulk_write` can read). A write that fails
        leaves its subject where it was: read again at the next tick, never missed."""
        updates: list[Document] = []
        for filed, slot in moves:
            if slot == filed.due_at:
                continue
            query: Document = {"_id": filed.subject.id}
            query["version"] = filed.version if filed.version is not None else {"$exists": False}
            change = {"$set": {DUE_AT: slot}} if slot else {"$unset": {DUE_AT: ""}}
            updates.append({"q": query, "u": change})
        for start in range(0, len(updates), REFILE_CHUNK):
            chunk = updates[start : start + REFILE_CHUNK]
            result = await self.db.command({"update": SUBJECTS, "updates": chunk, "ordered": False})
            if result.get("writeErrors"):
                log.warning(
                    "some subjects keep their slot until the next tick",
                    extra={"errors": len(result["writeErrors"])},
                )

    async def _mark_escalated(self, notification_id: str) -> None:
        for _ in range(5):  # the recipient may be acknowledging right now
            found = await self.repo.get(notification_id)
            if found is None:
                return
            n, rev = found
            n.mark_ack_escalated()
            if await self.repo.save(n, rev):
                return
