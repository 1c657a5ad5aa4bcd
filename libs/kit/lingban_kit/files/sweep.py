"""The periodic sweep: uploads never attached to a record are removed after a day.

Run by one replica at a time (`leased_loop`). GridFS stamps `uploadDate`
with the wall clock of the writing process, so the cutoff is taken from the
wall clock too, not from a service's (test-controllable) business clock.
A file released by a record (removed from a draft) waits the same way, so a
removal can be undone by attaching it again within the day.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from lingban_kit.files.store import FileStore
from lingban_kit.periodic import leased_loop
from lingban_kit.runtime import BackgroundLoop, ServiceRuntime


def _wall_clock() -> datetime:
    return datetime.now(UTC)


def orphan_sweep_loop(now: Callable[[], datetime] = _wall_clock) -> BackgroundLoop:
    def interval(runtime: ServiceRuntime) -> float:
        return runtime.settings.file_sweep_interval_seconds

    async def sweep(runtime: ServiceRuntime) -> dict[str, list[str]]:
        max_age = timedelta(seconds=runtime.settings.file_orphan_max_age_seconds)
        removed = await FileStore(runtime.db).sweep_orphans(now() - max_age)
        return {"files_removed": removed}

    return leased_loop("file-sweep", interval, sweep)
