"""The scheduler tick: evaluate the rules once per tick, on one replica at a time.

A lease in the database makes one replica evaluate; should two evaluate
anyway (a lease handed over mid-tick), the unique dedupe key still lets each
reminder through once. Evaluation is "as of now", so the first tick after
downtime catches up once. Nothing scheduled goes out on a day off (weekends and
public holidays, with make-up working days counted as working days).

Its reads are indexed equalities: one query per live project status (`$in`
would read every project ever tracked on FerretDB), the open rectifications,
and the notifications flagged `awaiting_ack`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from lingban_contracts.divisions import DivisionTree
from lingban_contracts.events.supervision import RectificationStatus
from lingban_contracts.statuses import PROJECT_LIVE_PLAN, ProjectStatus
from lingban_kit.clock import LOCAL_ZONE, Clock
from lingban_kit.leases import Lease
from lingban_kit.mongo import Database, Document
from lingban_notifications.directory.repository import Directory
from lingban_notifications.metrics import LAST_TICK
from lingban_notifications.notifications.domain import Notification
from lingban_notifications.notifications.repository import NotificationRepository
from lingban_notifications.rules.model import Kind
from lingban_notifications.rules.source import RuleSource
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
from lingban_notifications.subjects.tracking import SUBJECTS

log = logging.getLogger(__name__)
STATE = "scheduler_state"
# Submitted (awaiting review) and every status with a live stage plan.
LIVE: tuple[str, ...] = (ProjectStatus.SUBMITTED, *PROJECT_LIVE_PLAN)


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

    async def tick(self) -> list[Notification]:
        """Evaluate once if this replica holds the lease; returns what it created."""
        if not await self.lease.acquire():
            return []
        now = self.clock.now()
        rules = await self.rules.current()
        evaluator = Evaluator(rules, self.tree, await self.directory.all())
        subjects, rectifications = await self.live_subjects()
        intents = evaluator.evaluate(
            now,
            subjects,
            rectifications,
            await waiting_tasks(self.db),
            await stationing_subjects(self.db, now.astimezone(LOCAL_ZONE).date()),
            await planned_inspections(self.db),
        )
        created = await self.planner.create(intents, now)
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
            {"$set": {"last_tick_at": now, "holder": self.lease.holder}},
            upsert=True,
        )
        LAST_TICK.set(now.timestamp())
        if created:
            log.info("reminders created", extra={"count": len(created)})
        return created

    async def live_subjects(self) -> tuple[list[ProjectSubject], list[RectificationSubject]]:
        """The projects and rectifications that may owe a reminder now."""
        subjects = [
            ProjectSubject.from_document(d)
            for query in live_subject_filters()
            async for d in self.db[SUBJECTS].find(query)
        ]
        cursor = self.db[RECTIFICATIONS].find(open_rectifications_filter())
        return subjects, [RectificationSubject.from_document(d) async for d in cursor]

    async def _mark_escalated(self, notification_id: str) -> None:
        for _ in range(5):  # the recipient may be acknowledging right now
            found = await self.repo.get(notification_id)
            if found is None:
                return
            n, rev = found
            n.mark_ack_escalated()
            if await self.repo.save(n, rev):
                return
