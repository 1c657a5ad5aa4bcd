"""The service's parts, built once on the runtime's database.

Event handlers (project projection + event-triggered notices), the scheduler
and dispatcher loops, and the HTTP dependencies all share these objects.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta

from lingban_contracts import Envelope
from lingban_contracts.divisions import DivisionTree
from lingban_contracts.events.notifications import Channel
from lingban_kit import divisions
from lingban_kit.clock import Clock
from lingban_kit.consumer import HandlerTable
from lingban_kit.leases import Lease, holder_id
from lingban_kit.mongo import Database
from lingban_kit.runtime import BackgroundLoop, ServiceRuntime
from lingban_notifications.contract import CONTRACT
from lingban_notifications.delivery.channels import ChannelSender, InboxSender
from lingban_notifications.delivery.dispatcher import Dispatcher
from lingban_notifications.delivery.email import EmailSender, SmtpConfig
from lingban_notifications.delivery.sms import HttpSmsProvider, SmsProvider, SmsSender
from lingban_notifications.delivery.webhook import WebhookSender
from lingban_notifications.directory.repository import (
    DirectoryCache,
    MongoDirectory,
    backfill_ancestors,
    ensure_directory_indexes,
)
from lingban_notifications.notifications.domain import Retry
from lingban_notifications.notifications.repository import (
    NOTIFICATIONS,
    MongoNotificationRepository,
    backfill_due_soon,
    backfill_flags,
    backfill_inbox_months,
    ensure_notification_indexes,
)
from lingban_notifications.rules.model import Kind, RuleSet
from lingban_notifications.rules.source import RulesCache, RuleSource
from lingban_notifications.scheduling.evaluate import Evaluator, ProjectSubject
from lingban_notifications.scheduling.notices import event_notice_intents
from lingban_notifications.scheduling.planner import Planner
from lingban_notifications.scheduling.scheduler import Scheduler
from lingban_notifications.settings import NotificationsSettings
from lingban_notifications.subjects.assessment import ASSESSMENT_EVENTS, result_list_intents
from lingban_notifications.subjects.inspections import (
    INSPECTION_EVENTS,
    ensure_inspection_indexes,
    inspection_projection,
)
from lingban_notifications.subjects.rectifications import (
    ensure_rectification_indexes,
    rectification_projection,
)
from lingban_notifications.subjects.rosters import (
    ROSTER_EVENTS,
    ensure_roster_indexes,
    roster_projection,
)
from lingban_notifications.subjects.tasks import TASK_EVENTS, ensure_task_indexes, task_projection
from lingban_notifications.subjects.tracking import (
    SUBJECTS,
    ensure_subject_indexes,
    project_projection,
)

log = logging.getLogger(__name__)


def channel_senders(
    settings: NotificationsSettings, sms_provider: SmsProvider | None = None
) -> dict[Channel, ChannelSender]:
    timeout = settings.channel_timeout_seconds
    if sms_provider is None and settings.sms_url:
        sms_provider = HttpSmsProvider(
            settings.sms_url, settings.sms_api_key, settings.sms_sign_name, timeout
        )
    smtp = SmtpConfig(
        host=settings.smtp_host,
        port=settings.smtp_port,
        sender=settings.smtp_sender,
        starttls=settings.smtp_starttls,
        username=settings.smtp_username,
        password=settings.smtp_password,
        timeout_seconds=timeout,
    )
    return {
        Channel.INBOX: InboxSender(),
        Channel.EMAIL: EmailSender(smtp),
        Channel.WEBHOOK: WebhookSender(timeout, settings.webhook_policy()),
        Channel.SMS: SmsSender(sms_provider),
    }


@dataclass
class Wiring:
    settings: NotificationsSettings
    clock: Clock
    tree: DivisionTree
    file_rules: RuleSet
    senders: dict[Channel, ChannelSender]
    holder: str = field(default_factory=holder_id)
    db: Database | None = None
    wakeup: asyncio.Event = field(default_factory=asyncio.Event)
    on_write: Callable[[], None] = lambda: None
    # This replica's copy of the contact directory (checked against the
    # database's version token at most once a second).
    contacts: DirectoryCache = field(default_factory=DirectoryCache)
    # And of the active rule set (asked for by every event the consumer applies).
    rule_cache: RulesCache = field(default_factory=RulesCache)
    _planner: Planner | None = None

    def bind(self, db: Database) -> None:
        self.db = db

    def _db(self) -> Database:
        if self.db is None:
            raise RuntimeError("wiring not bound to a database")
        return self.db

    @property
    def rules(self) -> RuleSource:
        return RuleSource(self._db(), self.file_rules, self.rule_cache)

    @property
    def repo(self) -> MongoNotificationRepository:
        return MongoNotificationRepository(self._db())

    @property
    def directory(self) -> MongoDirectory:
        return MongoDirectory(self._db(), self.contacts)

    @property
    def planner(self) -> Planner:
        """One per replica: it remembers which dedupe keys exist."""
        if self._planner is None:
            self._planner = Planner(self.repo, self.settings.link_base())
        return self._planner

    def scheduler(self, holder: str | None = None) -> Scheduler:
        holder = holder or self.holder
        lease = Lease(
            self._db()["leases"],
            "notifications:scheduler",
            timedelta(seconds=max(self.settings.tick_seconds * 2, 30)),
            holder,
        )
        return Scheduler(
            self._db(),
            self.rules,
            self.directory,
            self.repo,
            self.planner,
            self.tree,
            self.clock,
            lease,
        )

    def dispatcher(self, holder: str | None = None) -> Dispatcher:
        """A dispatcher with a claim holder of its own (this replica's, and unique to it):
        a holder takes its own claims back (`claim_due`), so two dispatchers must not
        share one (the background loop and a `tick` request run side by side)."""
        s = self.settings
        return Dispatcher(
            self.repo,
            self.directory,
            self.senders,
            Retry(s.max_attempts, timedelta(seconds=s.retry_backoff_seconds)),
            self.clock,
            holder or f"{self.holder}:{uuid.uuid4().hex[:8]}",
            timedelta(seconds=s.claim_seconds),
        )

    def created(self) -> None:
        """New notifications or deliveries: dispatch now, publish their events now."""
        self.wakeup.set()
        self.on_write()

    # ---- consuming ----------------------------------------------------------
    def handlers(self, db: Database) -> HandlerTable:
        self.bind(db)
        project = project_projection(db, self.clock)
        rectification = rectification_projection(db)
        task = task_projection(db)
        roster = roster_projection(db)
        inspection = inspection_projection(db)

        def handler(event_type: str) -> Callable[[Envelope], Awaitable[None]]:
            async def handle(event: Envelope) -> None:
                if event_type.startswith("lingban.projects."):
                    await project(event)
                elif event_type in TASK_EVENTS:
                    await task(event)
                elif event_type in ROSTER_EVENTS:
                    await roster(event)
                elif event_type in INSPECTION_EVENTS:
                    await inspection(event)
                elif event_type in ASSESSMENT_EVENTS:
                    pass  # nothing kept: the notices read the event itself
                else:
                    await rectification(event)
                await self.notices(event)

            return handle

        return {
            **{t: handler(t) for t in CONTRACT.receives if t not in divisions.EVENT_TYPES},
            **divisions.handlers(db),
        }

    async def notices(self, event: Envelope) -> None:
        rules = await self.rules.current()
        if event.type in ASSESSMENT_EVENTS:
            await self.result_list_notices(rules, event)
            return
        matching = [r for r in rules.enabled(Kind.EVENT_NOTICE) if r.event == event.type]
        if not matching:
            return
        project_id = event.data.get("project_id") or event.aggregate_id
        doc = await self._db()[SUBJECTS].find_one({"_id": project_id})
        project = ProjectSubject.from_document(doc) if doc else None
        evaluator = Evaluator(rules, self.tree, await self.directory.all())
        intents = [i for r in matching for i in event_notice_intents(evaluator, r, event, project)]
        # New occurrences: no look-up first; a redelivery's insert is refused by its `_id`.
        if await self.planner.create(intents, self.clock.now(), look_up=False):
            self.created()

    async def result_list_notices(self, rules: RuleSet, event: Envelope) -> None:
        """The finalized assessment: one notice per unit on the 表扬 or 约谈 list."""
        matching = [r for r in rules.enabled(Kind.RESULT_LIST) if r.event == event.type]
        if not matching:
            return
        evaluator = Evaluator(rules, self.tree, await self.directory.all())
        intents = [i for r in matching for i in result_list_intents(evaluator, r, event)]
        if await self.planner.create(intents, self.clock.now()):
            self.created()

    # ---- background loops ------------------------------------------------------
    async def ensure_indexes(self, runtime: ServiceRuntime) -> None:
        await ensure_notification_indexes(runtime.db)
        await ensure_directory_indexes(runtime.db)
        await ensure_subject_indexes(runtime.db)
        await ensure_rectification_indexes(runtime.db)
        await ensure_task_indexes(runtime.db)
        await ensure_roster_indexes(runtime.db)
        await ensure_inspection_indexes(runtime.db)

    async def migrate(self, runtime: ServiceRuntime) -> None:
        """Derived fields for documents written before they existed (once per database)."""
        await backfill_flags(runtime.db)
        await backfill_due_soon(runtime.db)
        await backfill_inbox_months(runtime.db)
        await backfill_ancestors(runtime.db)

    async def release_leases(self) -> None:
        """On a clean stop: let another replica take the scheduler over at once."""
        with contextlib.suppress(Exception):
            await self.scheduler().lease.release()

    def scheduler_loop(self) -> BackgroundLoop:
        async def loop(runtime: ServiceRuntime) -> None:
            scheduler = self.scheduler()
            while True:
                try:
                    if await scheduler.tick():
                        self.created()
                except asyncio.CancelledError:
                    await self.release_leases()
                    raise
                except Exception:
                    log.exception("scheduler tick failed; retrying at the next tick")
                await asyncio.sleep(self.settings.tick_seconds)

        return loop

    def dispatcher_loop(self) -> BackgroundLoop:
        async def loop(runtime: ServiceRuntime) -> None:
            dispatcher = self.dispatcher()
            while True:
                self.wakeup.clear()
                try:
                    if await dispatcher.run_once():
                        runtime.wake_relay(NOTIFICATIONS)
                        continue  # maybe more due
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("dispatch failed; retrying")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.wakeup.wait(), self.settings.dispatch_seconds)

        return loop
