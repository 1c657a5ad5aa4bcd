"""The dispatcher: claim due notifications, deliver per channel, record the outcome.

- Claims (a conditional update with an expiry) make one replica send each
  notification; a replica that dies mid-send loses its claim after `hold`.
- Several due notices for one recipient on one channel (not the inbox) go out
  as one digest message, e.g. the overdue warnings of a morning, or what piled
  up during the recipient's quiet hours. A pass gathers each digest's recipient's
  other due notices too (`gather_limit`): a batch holds a few of each of a sweep's
  recipients, and one digest per pass was a dozen SMS to a secretary on a Monday.
- Quiet hours defer e-mail, SMS and webhooks (not the inbox) to their end.
- A failure is retried with exponential backoff; after the last attempt the
  delivery is dead-lettered (listed and replayed through the operations API).
- Every outcome and its event are one write (outbox), made right after that
  send: a crash or SIGTERM mid-pass re-sends at most the message in flight
  (R3). That message's idempotency key is stored on its notices before it is
  sent (with their first write of the pass), and a later pass sends them under
  the same key however the due notices group then, so the gateway drops the
  copy. If the recipient changed the notification meanwhile, the outcome is
  re-applied to the fresh copy (the write needs `rev`, never the claim: R2).
- Any exception from a channel is that delivery's failure, retried like a
  `DeliveryError` (R1/LB-06); only its type name is recorded, since the text
  of an unexpected error may carry an address or a response.
- A pass stops starting sends once half its claim time is gone and gives the
  rest back at once, so no claim lapses while this replica still holds it in
  memory (a lapsed claim lets another replica send the same message).
- A pass reads only the notices due soon; what was put off (quiet hours, a long
  backoff: domain.PUT_OFF) waits for a full pass, at most `full_pass_every`
  apart on this dispatcher's clock. Overnight or after a gateway outage many
  notices wait, and every pass read each of them (docs/performance.md). A full
  pass that claimed a whole batch leaves the next one full too, so the notices of
  a quiet-hours end go out batch after batch, not one batch a minute.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from lingban_contracts.divisions import DivisionTree, default_tree
from lingban_contracts.events.notifications import Channel
from lingban_kit.clock import Clock
from lingban_notifications.delivery.channels import (
    ChannelSender,
    DeliveryError,
    compose,
    delivery_key,
)
from lingban_notifications.directory.domain import Recipient
from lingban_notifications.directory.repository import Directory
from lingban_notifications.directory.role_inbox import role_inbox
from lingban_notifications.metrics import DELIVERIES
from lingban_notifications.notifications.domain import Notification, Retry
from lingban_notifications.notifications.repository import NotificationRepository
from lingban_notifications.subjects.inspections import delivered_as, is_member_inbox

log = logging.getLogger(__name__)
# Notices whose outcomes need no outside send, written at once during a pass.
RECORD_CONCURRENCY = 8
Outcome = Callable[[Notification], None]


def _redact(error: str, recipient: Recipient) -> str:
    """Errors go into public events: keep contact data out of them."""
    for secret in (recipient.email, recipient.phone, recipient.webhook and recipient.webhook.url):
        if secret:
            error = error.replace(secret, "***")
    return error


@dataclass
class _Claimed:
    """One claimed notification during a pass: its latest copy and `rev`."""

    n: Notification
    rev: int
    groups_left: int = 0


@dataclass
class Dispatcher:
    repo: NotificationRepository
    directory: Directory
    senders: dict[Channel, ChannelSender]
    retry: Retry
    clock: Clock
    holder: str
    hold: timedelta = timedelta(minutes=2)
    batch_size: int = 200
    # For notices to a unit's role inbox (directory/role_inbox.py): no contact entry.
    tree: DivisionTree = field(default_factory=default_tree)
    # At most PUT_OFF: a put-off notice is at most this late however the passes fall.
    full_pass_every: timedelta = timedelta(minutes=1)
    # A digest gathers its recipient's other due notices, up to this many more per
    # pass: a Monday's sweep gives a secretary hundreds, a batch holds a few of each.
    gather_limit: int = 1000
    _last_full: datetime | None = field(default=None, init=False)

    def _full_pass_due(self, now: datetime) -> bool:
        last = self._last_full  # a clock set back (tests, a corrected clock): full too
        return last is None or not last <= now < last + self.full_pass_every

    async def run_once(self) -> int:
        """One pass over what is due now; returns how many notifications it handled."""
        started = time.monotonic()
        now = self.clock.now()
        full = self._full_pass_due(now)
        claimed = await self.repo.claim_due(
            now, self.holder, self.hold, self.batch_size, put_off=full
        )
        if full and len(claimed) < self.batch_size:
            self._last_full = now  # every put-off notice due by `now` was claimable
        if not claimed:
            return 0
        contacts = await self.directory.all()
        more, postponed = await self._gather(claimed, contacts, now)
        claimed += more
        state = {n.id: _Claimed(n, rev) for n, rev in claimed}
        early: dict[str, list[Outcome]] = {n.id: [] for n, _ in claimed}
        # (recipient, channel, the key stored by an earlier attempt or None) → notices
        groups: dict[tuple[str, Channel, str | None], list[str]] = {}
        for n, _ in claimed:
            recipient = contacts.get(n.recipient_id) or self._stand_in(n)
            for channel in n.due_channels(now):
                sender = self.senders.get(channel)
                if sender is None or not sender.configured:
                    early[n.id].append(_skip(channel))
                    DELIVERIES.labels(channel.value, "skipped").inc()
                elif recipient is None:
                    early[n.id].append(
                        _failed(channel, now, "recipient left the directory", self.retry)
                    )
                elif (
                    channel is not Channel.INBOX
                    and recipient.quiet_hours is not None
                    and recipient.quiet_hours.contains(now)
                ):
                    until = recipient.quiet_hours.ends_after(now)
                    early[n.id].append(_defer(channel, until, now))
                    DELIVERIES.labels(channel.value, "deferred").inc()
                elif channel is Channel.INBOX:
                    # The inbox shows each notice on its own, and "sending" it is this
                    # service's own write: recorded with the notice's first write.
                    early[n.id].append(await self._send(channel, recipient, [n], None))
                else:
                    # Other channels reach out: one digest per recipient, recorded at once;
                    # what an earlier attempt keyed goes out again as that message.
                    staged = n.deliveries[channel].key
                    if staged is None and recipient.id in postponed:
                        continue  # stays due for the pass that gathers this recipient
                    groups.setdefault((recipient.id, channel, staged), []).append(n.id)
                    state[n.id].groups_left += 1
        keys = {}
        for (_, channel, staged), ids in groups.items():
            key = staged or delivery_key(channel, [state[i].n for i in ids])
            keys[ids[0]] = key
            if staged is None:  # fixed before the send, in the notices' first write
                for i in ids:
                    early[i].append(_stage(channel, key))
        # What needs no outside send (the inbox, skips, deferrals) is recorded first, side
        # by side (each notice is its own document, and nothing leaves the platform);
        # a notice with nothing else is released.
        gate = asyncio.Semaphore(RECORD_CONCURRENCY)

        async def record_early(nid: str, outcomes: list[Outcome]) -> None:
            async with gate:
                await self._record(state[nid], outcomes)

        await asyncio.gather(
            *(
                record_early(nid, outcomes)
                for nid, outcomes in early.items()
                if outcomes or state[nid].groups_left == 0
            )
        )
        budget = self.hold.total_seconds() / 2
        for number, ((_, channel, _), ids) in enumerate(groups.items()):
            if number and time.monotonic() - started >= budget:
                break  # the rest go back unclaimed, for the next pass
            first = state[ids[0]].n
            recipient = contacts.get(first.recipient_id) or self._stand_in(first)
            assert recipient is not None  # grouped above only with a recipient
            outcome = await self._send(channel, recipient, [state[i].n for i in ids], keys[ids[0]])
            for i in ids:
                state[i].groups_left -= 1
                await self._record(state[i], [outcome])
        for item in state.values():
            if item.groups_left > 0:  # not reached in this pass
                item.groups_left = 0
                await self._record(item, [])
        return len(claimed)

    async def _gather(
        self,
        claimed: list[tuple[Notification, int]],
        contacts: Mapping[str, Recipient],
        now: datetime,
    ) -> tuple[list[tuple[Notification, int]], set[str]]:
        """The rest of the due notices of the recipients whose new digests go out in this
        pass (`gather_limit` more in all; the first recipient always), and the
        recipients whose new digests wait for a later pass.

        A batch is the oldest due notices, whoever they are for: a sweep's thousands
        would give each secretary one digest per pass that holds a few of theirs, a
        dozen SMS in a Monday morning. A recipient not gathered now keeps those
        channels due, unstaged, for a later pass, which gathers it (the batch's
        first recipient is always gathered, so every pass makes progress)."""
        wanting: dict[str, None] = {}  # in the batch's order
        for n, _ in claimed:
            recipient = contacts.get(n.recipient_id)  # stand-ins: the inbox only
            if recipient is not None and any(
                self._new_digest(n, channel, recipient, now) for channel in n.due_channels(now)
            ):
                wanting.setdefault(recipient.id)
        have = {n.id for n, _ in claimed}
        held = Counter(n.recipient_id for n, _ in claimed)
        more: list[tuple[Notification, int]] = []
        gathered: list[str] = []
        for recipient_id in wanting:
            if gathered and len(more) >= self.gather_limit:
                break
            room = max(self.gather_limit - len(more), 0)
            found = await self.repo.claim_due(
                now, self.holder, self.hold, room + held[recipient_id], recipient_id=recipient_id
            )
            more += [(n, rev) for n, rev in found if n.id not in have]
            have |= {n.id for n, _ in found}
            gathered.append(recipient_id)
        # Only a recipient found wanting can wait: any other digest goes out as before.
        return more, set(wanting).difference(gathered)

    def _new_digest(
        self, n: Notification, channel: Channel, recipient: Recipient, now: datetime
    ) -> bool:
        """Would this pass start a new message to `recipient` on `channel` for `n`?"""
        sender = self.senders.get(channel)
        return (
            channel is not Channel.INBOX
            and sender is not None
            and sender.configured
            and not (recipient.quiet_hours is not None and recipient.quiet_hours.contains(now))
            and n.deliveries[channel].key is None
        )

    def _stand_in(self, n: Notification) -> Recipient | None:
        """An inbox-only recipient for a notice to no directory entry: a unit's role
        inbox (directory/role_inbox.py) or a group member's own (subjects/inspections.py)."""
        if is_member_inbox(n.recipient_id):
            return delivered_as(n.recipient_id, n.recipient_name, n.unit_code)
        return role_inbox(n.recipient_id, self.tree)

    async def _send(
        self, channel: Channel, recipient: Recipient, items: list[Notification], key: str | None
    ) -> Outcome:
        """Send one message (a notice or a digest) under `key`; its outcome, for every
        notice in it."""
        digest_id = uuid.uuid4().hex if len(items) > 1 else None
        try:
            await self.senders[channel].send(recipient, compose(items, channel, key))
        except DeliveryError as exc:
            error = _redact(str(exc), recipient)
        except Exception as exc:  # a bug or library error: this delivery fails, not the pass
            error = f"{channel.value}: {type(exc).__name__}"
            log.warning(
                "channel raised an unexpected error",
                extra={"channel": channel.value, "error": error},
                exc_info=True,
            )
        else:
            DELIVERIES.labels(channel.value, "sent").inc(len(items))
            return _sent(channel, self.clock.now(), digest_id)
        log.warning("delivery failed", extra={"channel": channel.value, "error": error})
        for n in items:
            last = n.deliveries[channel].attempts + 1 >= self.retry.max_attempts
            DELIVERIES.labels(channel.value, "dead_lettered" if last else "failed").inc()
        return _failed(channel, self.clock.now(), error, self.retry)

    async def _record(self, item: _Claimed, outcomes: list[Outcome]) -> None:
        """Write `outcomes` now; the claim goes with the notice's last write of the pass."""
        release = item.groups_left == 0
        n, rev = item.n, item.rev
        for _ in range(10):
            for apply in outcomes:
                apply(n)
            if await self.repo.save(n, rev, claim=self.holder, release=release):
                item.n, item.rev = n, rev + 1
                return
            found = await self.repo.get(n.id)  # changed meanwhile (read, acknowledged)
            if found is None:
                return
            n, rev = found
        item.n, item.rev = n, rev
        log.error("could not record delivery outcome", extra={"notification": n.id})


def _sent(channel: Channel, at: datetime, digest_id: str | None) -> Outcome:
    return lambda n: n.mark_sent(channel, at, digest_id)


def _failed(channel: Channel, at: datetime, error: str, retry: Retry) -> Outcome:
    return lambda n: n.mark_failed(channel, at, error, retry)


def _stage(channel: Channel, key: str) -> Outcome:
    return lambda n: n.stage(channel, key)


def _defer(channel: Channel, until: datetime, now: datetime) -> Outcome:
    return lambda n: n.defer(channel, until, now)


def _skip(channel: Channel) -> Outcome:
    return lambda n: n.skip(channel, "channel not configured")
