"""The periodic overdue check of assigned tasks, run by one replica at a time.

Like the rectification check (`lingban_supervision.checks`), it is a leased loop
whose runs are due by the database's clock; the day it judges deadlines by is
the database's too (`checks_now`), not the replica's.
"""

from __future__ import annotations

from prometheus_client import Counter

from lingban_contracts.divisions import default_tree
from lingban_kit.clock import Clock
from lingban_kit.metrics import registry
from lingban_kit.periodic import leased_loop
from lingban_kit.runtime import BackgroundLoop, ServiceRuntime
from lingban_supervision.dispatch.service import TASKS_COLLECTION, checks_now, dispatch_commands
from lingban_supervision.settings import SupervisionSettings

TASKS_OVERDUE = Counter(
    "lingban_supervision_tasks_overdue_total",
    "Assigned tasks (交办事项) the periodic check found past their deadline (each deadline once).",
    registry=registry,
)


def dispatch_checks_loop(clock: Clock) -> BackgroundLoop:
    def interval(runtime: ServiceRuntime) -> float:
        settings = runtime.settings
        assert isinstance(settings, SupervisionSettings)
        return settings.checks_interval_seconds

    async def run(runtime: ServiceRuntime) -> dict[str, list[str]]:
        settings = runtime.settings
        assert isinstance(settings, SupervisionSettings)
        commands = dispatch_commands(
            runtime.db, settings, clock, default_tree(), runtime.wake_relay
        )
        flagged = await commands.run_checks(await checks_now(clock, runtime.db[TASKS_COLLECTION]))
        TASKS_OVERDUE.inc(len(flagged))
        return {"tasks_overdue": flagged}

    return leased_loop("dispatch-checks", interval, run)
