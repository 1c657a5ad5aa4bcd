"""The demo loader's HTTP client: one service, dev tokens, retries, one clear error line.

Standard library only (urllib): devstack has no dependencies of its own and
neither tenacity nor an HTTP client with retries is a runtime dependency of
the project (httpx is a dev-only one), so the retry loop is the small one below.

Retries: a timeout, a refused or reset connection, 502/503/504 and 409
`conflict` (another writer saved the same document first: nothing was
applied) are tried again with backoff. A POST whose answer was lost (timeout,
reset) may have taken effect, so before sending it again the caller's
`applied` check looks whether it did, and returns what it found if so.
Everything else, and the last failed attempt, raises `DemoError`, which
`python -m devstack up` prints as one line.
"""

from __future__ import annotations

import http.client
import json
import re
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import Any, TypeVar

from devstack.errors import DevstackError
from devstack.progress import Progress
from lingban_kit.auth import Role, issue_dev_token

# Generous for two busy cores: the slowest single writes take well under a second
# when the machine is idle, a few seconds when tests run next to `make up`.
CALL_TIMEOUT_SECONDS = 60.0
# One call that walks every project (daily checks, the notification scheduler tick).
LONG_CALL_TIMEOUT_SECONDS = 600.0
BACKOFF_SECONDS = (1.0, 2.0, 4.0)  # three retries after the first attempt
RETRY_STATUSES = frozenset({429, 502, 503, 504})
RESUMED_HINT = "the rest of the demo is resumed by the next `make up`"


class DemoError(DevstackError):
    """A demo call that failed for good: `demo <part>: <METHOD path> -> <status> <message>`."""

    def __init__(self, part: str, method: str, path: str, status: str, message: str) -> None:
        self.part, self.method, self.path, self.status = part, method, path, status
        self.message = message
        super().__init__(f"demo {part}: {method} {path} -> {status} {message}; {RESUMED_HINT}")


@dataclass
class Failure:
    """How one attempt failed; `Api._attempt` returns it instead of an answer."""

    status: str  # "503", "timeout", "connection refused" …
    message: str
    transient: bool
    maybe_applied: bool  # the request may have reached the service and taken effect


@dataclass
class CallStats:
    """Latency per endpoint (ids and months replaced by placeholders), for the timing report."""

    calls: dict[str, list[float]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, method: str, path: str, seconds: float) -> None:
        key = f"{method} {endpoint(path)}"
        with self.lock:
            self.calls.setdefault(key, []).append(seconds)

    def table(self, top: int = 12) -> list[str]:
        """The endpoints that took the most time in total, slowest first."""
        with self.lock:
            rows = sorted(self.calls.items(), key=lambda kv: -sum(kv[1]))
        lines = []
        for key, times in rows[:top]:
            ordered = sorted(times)
            p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
            lines.append(
                f"{key:<52} {len(times):>5} calls  total {sum(times):7.1f} s  "
                f"mean {1000 * sum(times) / len(times):6.0f} ms  p95 {1000 * p95:6.0f} ms  "
                f"max {1000 * ordered[-1]:6.0f} ms"
            )
        return lines

    @property
    def total_calls(self) -> int:
        with self.lock:
            return sum(len(t) for t in self.calls.values())


_ID = re.compile(r"/[0-9a-f]{32}(-r)?(?=/|$)")
_MONTH = re.compile(r"/\d{4}-\d{2}(?=/|$)")


def endpoint(path: str) -> str:
    """`/v1/projects/<hex id>/stages/2026-03/reports?x=1` -> `/v1/projects/{id}/stages/{month}/reports`."""
    bare = path.split("?", 1)[0]
    return _MONTH.sub("/{month}", _ID.sub("/{id}", bare))


class Api:
    """Calls to one service on behalf of one demo part (the part names the error line)."""

    def __init__(
        self,
        base: str,
        secret: str,
        part: str = "data",
        *,
        stats: CallStats | None = None,
        sleep: Callable[[float], None] = time.sleep,
        backoff: tuple[float, ...] = BACKOFF_SECONDS,
    ) -> None:
        self.base = base.rstrip("/")
        self.secret = secret
        self.part = part
        self.stats = stats if stats is not None else CallStats()
        self.sleep = sleep
        self.backoff = backoff
        self._tokens: dict[tuple[Role, str, str], str] = {}
        self._tokens_lock = threading.Lock()

    def token(self, role: Role, unit: str, person: str = "") -> str:
        """A token of the role at the unit; `person` names a second person of the same
        role and unit (nobody reviews or verifies what they submitted themselves)."""
        # Cached: a demo load signs thousands of calls with a few hundred identities.
        with self._tokens_lock:
            key = (role, unit, person)
            if key not in self._tokens:
                self._tokens[key] = issue_dev_token(
                    secret=self.secret,
                    sub=f"demo-{role.value}-{unit}" + (f"-{person}" if person else ""),
                    name=f"演示用户 {unit}",
                    roles=[role],
                    region=unit,
                )
            return self._tokens[key]

    def call(
        self,
        method: str,
        path: str,
        token: str,
        body: Any = None,
        *,
        timeout: float = CALL_TIMEOUT_SECONDS,
        applied: Callable[[], Any] | None = None,
    ) -> Any:
        """The decoded JSON answer; retries transient failures, then raises `DemoError`.

        `applied`, for a call that is not safe to repeat: asked after an attempt
        whose answer was lost; returns the call's result if it took effect
        after all (then that is returned), None if it did not (then it is sent again).
        """
        failure: Failure | None = None
        for attempt, pause in enumerate((0.0, *self.backoff)):
            if attempt:
                self.sleep(pause)
                if failure is not None and failure.maybe_applied and applied is not None:
                    found = applied()
                    if found is not None:
                        return found
            outcome = self._attempt(method, path, token, body, timeout)
            if not isinstance(outcome, Failure):
                return outcome
            failure = outcome
            if not failure.transient:
                break
        assert failure is not None
        tries = "" if not failure.transient else f" (tried {len(self.backoff) + 1} times)"
        raise DemoError(self.part, method, path, failure.status, failure.message + tries)

    def _attempt(
        self, method: str, path: str, token: str, body: Any, timeout: float
    ) -> Any | Failure:
        request = urllib.request.Request(
            f"{self.base}{path}",
            method=method,
            data=None if body is None else json.dumps(body, ensure_ascii=False).encode(),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        began = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as error:
            return _http_failure(error.code, error.read())
        except TimeoutError:
            return Failure("timeout", f"no answer in {timeout:.0f} s", True, True)
        except urllib.error.URLError as error:
            return _connection_failure(error.reason)
        except (ConnectionError, http.client.HTTPException, OSError) as error:
            return _connection_failure(error)
        try:
            answer = json.loads(raw)
        except ValueError:
            return Failure(str(status), f"not JSON: {_error_message(raw)[:200]}", False, False)
        self.stats.add(method, path, time.monotonic() - began)
        return answer


def _http_failure(status: int, raw: bytes) -> Failure:
    message = _error_message(raw)
    if status == 409:
        # `conflict`: another writer saved first, nothing applied: worth another try.
        # `invalid_transition` and the rest are answers that will not change.
        transient = '"code":"conflict"' in raw.decode(errors="replace").replace(" ", "")
        return Failure(str(status), message, transient, False)
    return Failure(str(status), message, status in RETRY_STATUSES, False)


def _connection_failure(reason: object) -> Failure:
    if isinstance(reason, TimeoutError):
        return Failure("timeout", "no answer in time", True, True)
    if isinstance(reason, ConnectionRefusedError):
        # Nothing reached the service: safe to send again as it is.
        return Failure("connection refused", "is the service running?", True, False)
    if isinstance(reason, (ConnectionResetError, http.client.RemoteDisconnected)):
        return Failure("connection reset", str(reason) or "closed without an answer", True, True)
    return Failure("connection error", str(reason), True, True)


def _error_message(raw: bytes) -> str:
    """The service's `{"error": {"code", "message"}}`, or FastAPI's `detail`, on one line."""
    text = raw.decode(errors="replace")
    try:
        body = json.loads(text)
    except ValueError:
        return " ".join(text.split())[:300]
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        error = body["error"]
        return f"{error.get('code', 'error')}: {error.get('message', '')}".strip()
    if isinstance(body, dict) and "detail" in body:
        return json.dumps(body["detail"], ensure_ascii=False)[:300]
    return " ".join(text.split())[:300]


T = TypeVar("T")
R = TypeVar("R")


def run_all(
    items: Sequence[T],
    work: Callable[[T, threading.Event], R],
    workers: int,
    progress: Progress,
    size: Callable[[T], int] = lambda item: 1,
) -> list[R]:
    """`work` on every item in a thread pool; `advance` by the item's `size` when it finishes.

    The first error stops the rest: items not started are dropped, running
    ones stop before their next call (they watch the event), and the error is
    raised with the progress line ended, so the error line starts clean.
    """
    stop = threading.Event()
    results: dict[int, R] = {}
    try:
        with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
            futures: dict[Future[R], int] = {
                pool.submit(work, item, stop): index for index, item in enumerate(items)
            }
            try:
                for future in as_completed(futures):
                    index = futures[future]
                    results[index] = future.result()
                    progress.advance(size(items[index]))
            except BaseException:
                stop.set()
                for future in futures:
                    future.cancel()
                raise
    except BaseException:
        progress.close()
        raise
    return [results[i] for i in range(len(items))]
