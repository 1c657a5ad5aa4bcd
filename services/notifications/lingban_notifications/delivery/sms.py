"""SMS through a provider interface; the bundled provider speaks a simple JSON-over-HTTP API.

Real gateways (Aliyun, Tencent Cloud …) fit behind `SmsProvider`; the HTTP
provider posts `{"to", "sign_name", "text"}` with a bearer key and an
`Idempotency-Key` header (the same for every attempt at one delivery, so the
gateway drops a copy re-sent after a crash), and treats any 2xx answer with
`{"ok": true}` (or no body) as accepted.
"""

from __future__ import annotations

import abc

import httpx

from lingban_contracts.events.notifications import Channel
from lingban_notifications.delivery.channels import ChannelSender, DeliveryError, Message
from lingban_notifications.directory.domain import Recipient

SMS_MAX_CHARS = 300


class SmsProvider(abc.ABC):
    @abc.abstractmethod
    async def send(self, phone: str, text: str, key: str | None = None) -> None:
        """Hand the text to the gateway or raise DeliveryError; `key` names the delivery."""


class HttpSmsProvider(SmsProvider):
    def __init__(
        self, url: str, api_key: str | None, sign_name: str, timeout_seconds: float = 10.0
    ) -> None:
        self.url, self.api_key, self.sign_name = url, api_key, sign_name
        self.timeout_seconds = timeout_seconds

    async def send(self, phone: str, text: str, key: str | None = None) -> None:
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        if key:
            headers["Idempotency-Key"] = key
        body = {"to": phone, "sign_name": self.sign_name, "text": text}
        try:
            async with httpx.AsyncClient(timeout=self.timeout_seconds) as client:
                response = await client.post(self.url, json=body, headers=headers)
        except httpx.HTTPError as exc:
            raise DeliveryError(f"sms: {type(exc).__name__}") from exc
        if response.status_code >= 300:
            raise DeliveryError(f"sms: HTTP {response.status_code}")
        if response.content:
            try:
                ok = response.json().get("ok", True)
            except (ValueError, AttributeError):
                ok = True
            if ok is False:
                raise DeliveryError("sms: provider refused the message")


class SmsSender(ChannelSender):
    channel = Channel.SMS

    def __init__(self, provider: SmsProvider | None) -> None:
        self.provider = provider

    @property
    def configured(self) -> bool:
        return self.provider is not None

    async def send(self, recipient: Recipient, message: Message) -> None:
        if not recipient.phone:
            raise DeliveryError("no phone number")
        assert self.provider is not None
        if message.count > 1:
            text = digest_text(message.subject, message.headlines)
        else:
            text = f"{message.subject}：{message.text}"
        if message.link:
            text = f"{text} {message.link}"
        await self.provider.send(recipient.phone, text[:SMS_MAX_CHARS], message.key)


def digest_text(subject: str, headlines: tuple[str, ...], limit: int = SMS_MAX_CHARS) -> str:
    """A digest as one SMS: its subject and the notices' titles, as many whole titles
    as fit, then how many more there are (the secretary reads them in the workbench)."""
    text = subject
    for shown, headline in enumerate(headlines):
        more = len(headlines) - shown
        line = f"{'：' if shown == 0 else '；'}{shown + 1}. {headline}"
        rest = f"；另有 {more - 1} 条，请登录工作台查看" if more > 1 else ""
        if len(text) + len(line) + len(rest) > limit:
            return f"{text}；另有 {more} 条，请登录工作台查看"
        text += line
    return text
