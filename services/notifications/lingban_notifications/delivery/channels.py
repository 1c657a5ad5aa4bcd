"""One interface for every channel, and the message a channel sends."""

from __future__ import annotations

import abc
import hashlib
from dataclasses import dataclass

from lingban_contracts.events.notifications import Channel
from lingban_notifications.directory.domain import Recipient
from lingban_notifications.notifications.domain import Notification


class DeliveryError(Exception):
    """The channel did not accept the message; the dispatcher retries with backoff.

    Any other exception a sender raises is treated the same way by the
    dispatcher (recorded with its type name only), so a bug or an unexpected
    library error fails one delivery instead of the whole pass.
    """


def one_line(text: str) -> str:
    """Subjects become mail headers and robot titles: no CR/LF (header injection, LB-06)."""
    return " ".join(text.split())


@dataclass(frozen=True)
class Message:
    subject: str
    text: str
    link: str | None
    count: int = 1
    # A digest's notices, one title each: a channel that cannot carry the whole
    # digest text (an SMS) still says what the reminders are about.
    headlines: tuple[str, ...] = ()
    # The same for every attempt to deliver these notices on this channel, so a
    # provider that deduplicates (an SMS gateway's idempotency key, a mail's
    # Message-ID) drops the copy a crash between "sent" and "recorded" re-sends.
    key: str | None = None


def delivery_key(channel: Channel, items: list[Notification]) -> str:
    ids = "\n".join(sorted(n.id for n in items))
    return f"{channel.value}-{hashlib.sha256(ids.encode()).hexdigest()[:32]}"


def compose(
    items: list[Notification], channel: Channel | None = None, key: str | None = None
) -> Message:
    """One notice, or a digest of several for one recipient on one channel; `key`,
    the message's idempotency key when it was fixed before (the dispatcher's)."""
    if key is None and channel is not None:
        key = delivery_key(channel, items)
    if len(items) == 1:
        n = items[0]
        text = f"{n.body['zh']}\n\n{n.title['en']}\n{n.body['en']}"
        return Message(subject=one_line(n.title["zh"]), text=text, link=n.link, key=key)
    lines = [f"{i}. {n.title['zh']}\n   {n.link}" for i, n in enumerate(items, 1)]
    return Message(
        subject=f"【汇总提醒】共 {len(items)} 条待办提醒 ({len(items)} reminders)",
        text="\n".join(lines),
        link=None,
        count=len(items),
        key=key,
        headlines=tuple(one_line(n.title["zh"]) for n in items),
    )


class ChannelSender(abc.ABC):
    channel: Channel

    @property
    def configured(self) -> bool:
        """False when the deployment did not set this channel up (deliveries are skipped)."""
        return True

    @abc.abstractmethod
    async def send(self, recipient: Recipient, message: Message) -> None:
        """Deliver or raise DeliveryError."""


class InboxSender(ChannelSender):
    """The notification document is the inbox entry: delivering it makes it visible."""

    channel = Channel.INBOX

    async def send(self, recipient: Recipient, message: Message) -> None:
        return None
