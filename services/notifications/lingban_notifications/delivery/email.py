"""E-mail over SMTP (stdlib smtplib in a worker thread; STARTTLS and login optional)."""

from __future__ import annotations

import asyncio
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage

from lingban_contracts.events.notifications import Channel
from lingban_notifications.delivery.channels import (
    ChannelSender,
    DeliveryError,
    Message,
    one_line,
)
from lingban_notifications.directory.domain import Recipient


@dataclass(frozen=True)
class SmtpConfig:
    host: str | None
    port: int = 25
    sender: str = "lingban@localhost"
    starttls: bool = False
    username: str | None = None
    password: str | None = None
    timeout_seconds: float = 10.0


class EmailSender(ChannelSender):
    channel = Channel.EMAIL

    def __init__(self, config: SmtpConfig) -> None:
        self.config = config

    @property
    def configured(self) -> bool:
        return bool(self.config.host)

    def _send_sync(self, to: str, message: Message) -> None:
        c = self.config
        assert c.host
        mail = EmailMessage()
        mail["From"] = c.sender
        mail["To"] = to
        mail["Subject"] = one_line(message.subject)  # a line break would raise ValueError
        if message.key:
            # The same for every attempt: mail systems drop a duplicate Message-ID.
            mail["Message-ID"] = f"<{message.key}@lingban.notifications>"
        mail.set_content(message.text + (f"\n\n{message.link}" if message.link else ""))
        with smtplib.SMTP(c.host, c.port, timeout=c.timeout_seconds) as smtp:
            if c.starttls:
                smtp.starttls()
            if c.username and c.password:
                smtp.login(c.username, c.password)
            smtp.send_message(mail)

    async def send(self, recipient: Recipient, message: Message) -> None:
        if not recipient.email:
            raise DeliveryError("no e-mail address")
        try:
            await asyncio.to_thread(self._send_sync, recipient.email, message)
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryError(f"smtp: {type(exc).__name__}: {exc}") from exc
