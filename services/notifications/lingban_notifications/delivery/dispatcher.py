"""The dispatcher: claim due notifications, deliver per channel, record the outcome.

- Claims (a conditional update with an expiry) make one replica send each
  notification; a replica that dies mid-send loses its claim after `hold`.
- Several due notices for one recipient on one channel (not the inbox) go out
  as one digest message, e.g. the overdue warnings of a morning, or what piled
  up during the recipient's quiet hours.
- Quiet hours defer e-mail, SMS and webhooks (not the inbox) to their end.
- A failure is retried with exponential backoff; after the last attempt the
  delivery is dead-lettered (listed and replayed through the operations API).
- Every outcome and its event are one write (outbox); if the recipient changed
  the notification meanwhile, the outcome is re-applied to the fresh copy.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from lingban_contracts.events.notifications import Channel
from lingban_kit.clock import Clock
from lingban_notifications.delivery.channels import ChannelSender, DeliveryError, compose
from lingban_notifications.directory.domain import Recipient
from lingban_notifications.directory.repository import Directory
from lingban_notifications.metrics import DELIVERIES
from lingban_notifications.notifications.domain import Notification, Retry
from lingban_notifications.notifications.repository import NotificationRepository

log = logging.getLogger(__name__)
Outcome = Callable[[Notification], None]


def _redact(error: str, recipient: Recipient) -> str:
    """Errors go into public events: keep contact data out of them."""
    for secret in (recipient.email, recipient.phone, recipient.webhook and recipient.webhook.url):
        if secret:
            error = error.replace(secret, "***")
    return error


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

    async def run_once(self) -> int:
        """One pass over what is due now; returns how many notifications it handled."""
        now = self.clock.now()
        claimed = await self.repo.claim_due(now, self.holder, self.hold, self.batch_size)
        if not claimed:
            return 0
        contacts = await self.directory.all()
        outcomes: dict[str, list[Outcome]] = {n.id: [] for n, _ in claimed}
        groups: dict[tuple[str, Channel], list[Notification]] = {}
        for n, _ in claimed:
            recipient = contacts.get(n.recipient_id)
            for channel in n.due_channels(now):
                sender = self.senders.get(channel)
                if sender is None or not sender.configured:
                    outcomes[n.id].append(_skip(channel))
                    DELIVERIES.labels(channel.value, "skipped").inc()
                elif recipient is None:
                    outcomes[n.id].append(
                        _failed(channel, now, "recipient left the directory", self.retry)
                    )
                elif (
                    channel is not Channel.INBOX
                    and recipient.quiet_hours is not None
                    and recipient.quiet_hours.contains(now)
                ):
                    outcomes[n.id].append(_defer(channel, recipient.quiet_hours.ends_after(now)))
                    DELIVERIES.labels(channel.value, "deferred").inc()
                else:
                    # The inbox shows each notice on its own; other channels digest.
                    key = (n.id if channel is Channel.INBOX else recipient.id, channel)
                    groups.setdefault(key, []).append(n)
        for (_, channel), items in groups.items():
            recipient = contacts[items[0].recipient_id]
            digest_id = uuid.uuid4().hex if len(items) > 1 else None
            try:
                await self.senders[channel].send(recipient, compose(items))
            except DeliveryError as exc:
                error = _redact(str(exc), recipient)
                log.warning("delivery failed", extra={"channel": channel.value, "error": error})
                for n in items:
                    outcomes[n.id].append(_failed(channel, now, error, self.retry))
                for n in items:
                    last = n.deliveries[channel].attempts + 1 >= self.retry.max_attempts
                    DELIVERIES.labels(channel.value, "dead_lettered" if last else "failed").inc()
            else:
                sent_at = self.clock.now()
                for n in items:
                    outcomes[n.id].append(_sent(channel, sent_at, digest_id))
                DELIVERIES.labels(channel.value, "sent").inc(len(items))
        for n, rev in claimed:
            await self._record(n, rev, outcomes[n.id])
        return len(claimed)

    async def _record(self, n: Notification, rev: int, outcomes: list[Outcome]) -> None:
        for _ in range(10):
            for apply in outcomes:
                apply(n)
            if await self.repo.save(n, rev, claim=self.holder):
                return
            found = await self.repo.get(n.id)  # changed meanwhile (read, acknowledged)
            if found is None:
                return
            n, rev = found
        log.error("could not record delivery outcome", extra={"notification": n.id})


def _sent(channel: Channel, at: datetime, digest_id: str | None) -> Outcome:
    return lambda n: n.mark_sent(channel, at, digest_id)


def _failed(channel: Channel, at: datetime, error: str, retry: Retry) -> Outcome:
    return lambda n: n.mark_failed(channel, at, error, retry)


def _defer(channel: Channel, until: datetime) -> Outcome:
    return lambda n: n.defer(channel, until)


def _skip(channel: Channel) -> Outcome:
    return lambda n: n.skip(channel, "channel not configured")
