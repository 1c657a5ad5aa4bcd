"""Intents -> notifications: pick channels, render templates, insert once per dedupe key."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from lingban_contracts.events.notifications import Channel
from lingban_kit.loop_turns import LoopTurns
from lingban_notifications.directory.domain import Recipient
from lingban_notifications.directory.role_inbox import RoleInbox
from lingban_notifications.metrics import CREATED, UNLISTED
from lingban_notifications.notifications.domain import Notification
from lingban_notifications.notifications.repository import NotificationRepository
from lingban_notifications.notifications.templates import render
from lingban_notifications.scheduling.evaluate import Intent

KNOWN_KEYS_LIMIT = 500_000
log = logging.getLogger(__name__)


@dataclass
class Planner:
    repo: NotificationRepository
    link_base: str
    # Keys known to exist (notifications are never deleted), so a steady tick
    # asks the database only about keys it has not seen; the unique `_id`
    # stays the guarantee.
    known: set[str] = field(default_factory=set)

    async def create(
        self, intents: list[Intent], now: datetime, *, look_up: bool = True
    ) -> list[Notification]:
        """`look_up=False` skips asking which keys exist (a round trip) when most are
        new, as an event's notices are (one per occurrence): the insert refuses a
        key that exists all the same."""
        if len(self.known) > KNOWN_KEYS_LIMIT:
            self.known.clear()
        keys = sorted({i.dedupe_key for i in intents} - self.known) if look_up else []
        self.known |= await self.repo.existing_keys(keys) if keys else set()
        done = set(self.known)
        turns = LoopTurns()  # thousands of notices render on a Monday's sweep
        fresh: list[tuple[Notification, Recipient]] = []
        for intent in intents:
            if intent.dedupe_key in done:
                continue
            done.add(intent.dedupe_key)
            rule, r = intent.rule, intent.recipient
            channels = [c for c in rule.channels if r.accepts(c, rule.id)]
            if channels and rule.requires_acknowledgement and Channel.INBOX not in channels:
                channels.insert(0, Channel.INBOX)  # signing (签收) happens in the inbox
            if not channels:
                continue  # the recipient opted out of every channel of this rule
            link = self.link_base.rstrip("/") + intent.link_path
            title, body = render(rule.template, {**intent.vars, "link": link})
            n = Notification.create(
                rule_id=rule.id,
                kind=rule.kind.value,
                recipient_id=r.id,
                recipient_kind=r.kind.value,
                recipient_name=r.name,
                unit_code=r.unit_code,
                subject_type=intent.subject_type,
                subject_id=intent.subject_id,
                subject_unit_code=intent.subject_unit_code,
                period=intent.period,
                title=title,
                body=body,
                link=link,
                requires_ack=rule.requires_acknowledgement,
                channels=channels,
                now=now,
            )
            fresh.append((n, r))
            await turns.take()
        # Another replica may have inserted some of the same keys since we looked:
        # those are refused, and only the others count as created.
        created = await self.repo.add_many([n for n, _ in fresh])
        # Known once stored (inserted now, or refused as existing); a failed insert
        # raised above, and the next tick looks those keys up again.
        self.known |= {n.dedupe_key for n, _ in fresh}
        recipients = {n.id: r for n, r in fresh}
        for n in created:
            CREATED.labels(n.rule_id).inc()
            if isinstance(recipients[n.id], RoleInbox):
                UNLISTED.labels(n.rule_id).inc()
                log.warning(
                    "notice sent to a role inbox: the unit has no directory entry",
                    extra={
                        "recipient": n.recipient_id,
                        "unit_code": n.unit_code,
                        "rule": n.rule_id,
                    },
                )
        return created
