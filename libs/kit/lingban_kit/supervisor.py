"""Background loops that cannot die unnoticed.

A loop (a batch consumer, a scheduler) that raises is logged at once with its
traceback, counted, and started again after a pause that grows while it keeps
failing. While it is down, `down()` names it, and readiness reports the
service not ready: a consumer that stopped must not leave a pod serving frozen
figures with a green `/readyz`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Coroutine, Iterator
from typing import Any

from lingban_kit import metrics
from lingban_kit.retry import backoff_delays

log = logging.getLogger(__name__)

LoopFactory = Callable[[], Coroutine[Any, Any, None]]


class Supervisor:
    def __init__(
        self, service: str, *, restart_seconds: float = 1.0, restart_max_seconds: float = 60.0
    ) -> None:
        self.service = service
        self.restart_seconds = restart_seconds
        self.restart_max_seconds = restart_max_seconds
        self._tasks: list[asyncio.Task[None]] = []
        self._down: dict[str, str] = {}

    def start(self, name: str, loop: LoopFactory) -> None:
        self._tasks.append(asyncio.create_task(self._keep(name, loop), name=name))

    def down(self) -> dict[str, str]:
        """The loops not running now, with why they stopped."""
        return dict(self._down)

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()

    async def _keep(self, name: str, loop: LoopFactory) -> None:
        delays = self._delays()
        while True:
            started = time.monotonic()
            try:
                await loop()
                reason = "returned"  # a loop that returns has stopped working too
                log.error("background task stopped; restarting", extra={"task": name})
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                reason = type(exc).__name__
                log.exception("background task died; restarting", extra={"task": name})
            metrics.BACKGROUND_RESTARTS.labels(self.service, name).inc()
            if time.monotonic() - started > self.restart_max_seconds:
                delays = self._delays()  # it had been running fine: restart quickly
            self._down[name] = reason
            try:
                await asyncio.sleep(next(delays))
            finally:
                self._down.pop(name, None)

    def _delays(self) -> Iterator[float]:
        return backoff_delays(self.restart_seconds, self.restart_max_seconds)
