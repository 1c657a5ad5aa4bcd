"""Workplace chat robots: WeCom (企业微信), DingTalk (钉钉), Feishu (飞书), signed with HMAC.

Each flavor gets its native JSON shape and signing: DingTalk's `timestamp` and
`sign` query parameters (HMAC-SHA256 of "timestamp\\nsecret", base64), Feishu's
`timestamp`/`sign` body fields (HMAC-SHA256 keyed with "timestamp\\nsecret"
over an empty message, base64). Every request also carries
`X-Lingban-Timestamp` and `X-Lingban-Signature: sha256=<hex HMAC of
"timestamp.body">` so a receiver of our own can verify it.

Before each send the URL passes the egress policy again (`egress.py`), and
redirects are not followed. A failure records the HTTP status or the robot's
numeric error code only: what a URL answers never reaches `last_error`, the
inbox or the public `notification-failed` event (LB-07).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import urllib.parse
from typing import Any

import httpx

from lingban_contracts.events.notifications import Channel
from lingban_notifications.delivery.channels import ChannelSender, DeliveryError, Message
from lingban_notifications.delivery.egress import WebhookPolicy
from lingban_notifications.directory.domain import Recipient, Webhook, WebhookFlavor


def _b64_hmac(key: bytes, msg: bytes) -> str:
    return base64.b64encode(hmac.new(key, msg, hashlib.sha256).digest()).decode()


def lingban_signature(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def robot_request(hook: Webhook, message: Message, now_ms: int) -> tuple[str, dict[str, Any]]:
    """The URL and JSON body the robot of `hook.flavor` expects."""
    text = f"{message.subject}\n{message.text}" + (f"\n{message.link}" if message.link else "")
    url = hook.url
    if hook.flavor is WebhookFlavor.DINGTALK:
        body: dict[str, Any] = {
            "msgtype": "markdown",
            "markdown": {"title": message.subject, "text": f"### {message.subject}\n\n{text}"},
        }
        if hook.secret:
            sign = _b64_hmac(hook.secret.encode(), f"{now_ms}\n{hook.secret}".encode())
            query = urllib.parse.urlencode({"timestamp": now_ms, "sign": sign})
            url += ("&" if "?" in url else "?") + query
        return url, body
    if hook.flavor is WebhookFlavor.FEISHU:
        body = {"msg_type": "text", "content": {"text": text}}
        if hook.secret:
            seconds = str(now_ms // 1000)
            body["timestamp"] = seconds
            body["sign"] = _b64_hmac(f"{seconds}\n{hook.secret}".encode(), b"")
        return url, body
    return url, {"msgtype": "markdown", "markdown": {"content": f"**{message.subject}**\n{text}"}}


def _robot_code(payload: Any) -> Any:
    return payload.get("errcode", payload.get("code", 0)) if isinstance(payload, dict) else 0


def robot_accepted(payload: Any) -> bool:
    """WeCom/DingTalk answer {"errcode": 0}, Feishu {"code": 0}; anything else is a refusal."""
    return _robot_code(payload) in (0, "0", None)


def refusal_error(payload: Any) -> str:
    """The robot's numeric error code, never its text (it may echo keys or our request)."""
    code = _robot_code(payload)
    if isinstance(code, int) and not isinstance(code, bool):
        return f"webhook: robot refused (code {code})"
    return "webhook: robot refused"


class WebhookSender(ChannelSender):
    channel = Channel.WEBHOOK

    def __init__(
        self,
        timeout_seconds: float = 10.0,
        policy: WebhookPolicy | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.timeout_seconds = timeout_seconds
        self.policy = policy or WebhookPolicy()
        self.transport = transport  # tests: a mock robot

    async def send(self, recipient: Recipient, message: Message) -> None:
        hook = recipient.webhook
        if hook is None:
            raise DeliveryError("no webhook configured")
        refused = await self.policy.refusal(hook.url)
        if refused is not None:
            raise DeliveryError(f"webhook: address not allowed ({refused.message_en})")
        now_ms = int(time.time() * 1000)
        url, body = robot_request(hook, message, now_ms)
        raw = json.dumps(body, ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json; charset=utf-8"}
        if message.key:
            headers["X-Lingban-Delivery-Id"] = message.key  # for receivers that deduplicate
        if hook.secret:
            ts = str(now_ms // 1000)
            headers["X-Lingban-Timestamp"] = ts
            headers["X-Lingban-Signature"] = lingban_signature(hook.secret, ts, raw)
        try:
            async with httpx.AsyncClient(
                timeout=self.timeout_seconds, follow_redirects=False, transport=self.transport
            ) as client:
                response = await client.post(url, content=raw, headers=headers)
        except httpx.HTTPError as exc:
            raise DeliveryError(f"webhook: {type(exc).__name__}") from exc
        if response.status_code >= 300:
            raise DeliveryError(f"webhook: HTTP {response.status_code}")
        try:
            payload = response.json()
        except ValueError:
            payload = None
        if not robot_accepted(payload):
            raise DeliveryError(refusal_error(payload))
