"""Refuse request bodies over a size limit before anything reads them (finding LB-09).

FastAPI reads and parses a JSON body before the route's dependencies run, so
without a cap an unauthenticated client can make a service hold a body of any
size in memory. This pure ASGI middleware answers 413 as soon as the declared
`Content-Length`, or the bytes actually streamed (chunked uploads declare
none), exceed the limit; the body is never buffered past it. Upload routes
(`lingban_kit.files`) are named with a larger limit of their own, by exact
path; every other route keeps the default.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lingban_kit.errors import PayloadTooLarge

DEFAULT_MAX_BODY_BYTES = 256 * 1024


class _BodyTooLarge(Exception):
    """Raised from `receive` to stop the app reading; its reply is replaced by the 413."""


def too_large(limit: int) -> PayloadTooLarge:
    kib = limit // 1024
    return PayloadTooLarge(
        message=f"请求内容过大：上限为 {kib} KB",
        message_en=f"Request body too large: the limit is {kib} KB",
        extra={"limit_bytes": limit},
    )


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            return int(value) if value.isdigit() else None
    return None


def _language(scope: Scope) -> str:
    for name, value in scope.get("headers", ()):
        if name == b"accept-language":
            return "en" if value.lower().startswith(b"en") else "zh"
    return "zh"


class BodySizeLimit:
    def __init__(
        self,
        app: ASGIApp,
        max_bytes: int = DEFAULT_MAX_BODY_BYTES,
        larger: Mapping[str, int] | None = None,
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.larger = dict(larger or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.larger.get(scope["path"], self.max_bytes)
        declared = _declared_length(scope)
        if declared is not None and declared > limit:
            await self._reject(scope, send, limit)
            return

        received = 0
        exceeded = False
        started = False

        async def guarded_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    exceeded = True
                    raise _BodyTooLarge
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if exceeded and not started:
                return  # the app's answer to the aborted read (400/500) is replaced below
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, guarded_receive, guarded_send)
        except Exception:
            if not exceeded or started:
                raise
        if exceeded and not started:
            await self._reject(scope, send, limit)

    async def _reject(self, scope: Scope, send: Send, limit: int) -> None:
        error = too_large(limit)
        body = json.dumps(error.render(_language(scope)), ensure_ascii=False).encode()
        await send(
            {
                "type": "http.response.start",
                "status": error.status_code,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    # The rest of the body is not read: do not reuse the connection.
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
