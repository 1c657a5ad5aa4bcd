"""One replica's in-process copy of something many requests and events read (the
contact directory, the active rule set), kept behind a small version token in
`notifications_meta` (`meta.py`).

The token is read at most once per `recheck_seconds`, and *before* the value: the
writer stores the value first and a new token after it, so a copy read during a
write is kept under the old token and read again at the next check.
`max_age_seconds` bounds how long a copy lives even if the token never changes
(something other than the owner's writes changed the value).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

T = TypeVar("T")


@dataclass
class VersionedCopy(Generic[T]):
    recheck_seconds: float = 1.0
    max_age_seconds: float = 600.0
    version: Any = None
    loaded_at: float | None = None
    checked_at: float | None = None
    value: T | None = None
    loads: int = 0

    async def get(
        self, read_version: Callable[[], Awaitable[Any]], load: Callable[[], Awaitable[T]]
    ) -> T:
        """The copy; checked against the token when not checked recently, read again
        when the token changed or the copy is too old."""
        now = time.monotonic()
        if self.value is None or self.loaded_at is None or self.checked_at is None:
            return await self._reload(await read_version(), load)
        if now - self.checked_at < self.recheck_seconds:
            return self.value
        version = await read_version()  # before the value: see the module doc
        if version != self.version or now - self.loaded_at >= self.max_age_seconds:
            return await self._reload(version, load)
        self.checked_at = time.monotonic()
        return self.value

    async def _reload(self, version: Any, load: Callable[[], Awaitable[T]]) -> T:
        value = await load()
        self.store(version, value)
        return value

    def store(self, version: Any, value: T) -> None:
        self.version, self.value = version, value
        self.loaded_at = self.checked_at = time.monotonic()
        self.loads += 1

    def drop(self) -> None:
        """Read the token and the value again at the next use (the owner wrote)."""
        self.loaded_at = self.checked_at = None
