"""Local stand-ins for the outside world the notifications service talks to: an HTTP
receiver for the chat-robot webhooks and the SMS gateway, on 127.0.0.1 ephemeral ports.
Used by the notification tests (in-process) and the fault suite (services as processes)."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Receiver:
    url: str
    requests: list[dict[str, Any]] = field(default_factory=list)
    fail_next: int = 0  # answer 500 this many times
    lock: threading.Lock = field(default_factory=threading.Lock)


def serve_receiver(name: str) -> tuple[Receiver, ThreadingHTTPServer]:
    box: dict[str, Receiver] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            receiver = box["r"]
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            with receiver.lock:
                failing = receiver.fail_next > 0
                if failing:
                    receiver.fail_next -= 1
                else:
                    receiver.requests.append(
                        {"path": self.path, "headers": dict(self.headers), "body": json.loads(body)}
                    )
            self.send_response(500 if failing else 200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"errcode": 0, "ok": true}')

        def log_message(self, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    box["r"] = Receiver(f"http://127.0.0.1:{server.server_address[1]}/{name}")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return box["r"], server
