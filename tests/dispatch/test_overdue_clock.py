"""The overdue check judges deadlines on the database's clock (R12), on the real database:
a replica whose clock runs days ahead flags nothing early."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from lingban_kit.auth import Role
from lingban_kit.clock import LOCAL_ZONE, Clock, FixedClock
from lingban_kit.mongo import Database
from lingban_supervision.dispatch.domain import Meeting, Task
from lingban_supervision.dispatch.service import (
    MEETINGS_COLLECTION,
    TASKS_COLLECTION,
    DispatchCommands,
    TaskOrder,
    checks_now,
)
from lingban_supervision.store import MongoStore

from .builders import CITY, TOWNSHIP, TREE, principal

pytestmark = pytest.mark.integration


class AheadClock(Clock):
    """A replica whose own clock runs three days ahead."""

    def now(self) -> datetime:
        return datetime.now(UTC) + timedelta(days=3)


def commands(db: Database, clock: Clock) -> DispatchCommands:
    return DispatchCommands(
        MongoStore(db, MEETINGS_COLLECTION, Meeting),
        MongoStore(db, TASKS_COLLECTION, Task),
        TREE,
        clock,
    )


async def test_a_replica_ahead_flags_nothing_early(database: Database) -> None:
    today = datetime.now(UTC).astimezone(LOCAL_ZONE).date()
    org = principal(Role.CITY_ORG, CITY)
    due = today + timedelta(days=1)
    task = await commands(database, Clock()).assign(
        org, None, TaskOrder(TOWNSHIP, "补齐台账", "张三", due)
    )
    ahead = commands(database, AheadClock())
    tasks = database[TASKS_COLLECTION]
    # By its own clock the deadline passed two days ago; by the database's it has not.
    assert await ahead.run_checks(await checks_now(ahead.clock, tasks)) == []
    # A fixed clock (tests, simulations) stands for every clock: then it is overdue.
    fixed = FixedClock(datetime.now(UTC) + timedelta(days=3))
    assert await checks_now(fixed, tasks) == fixed.now()
    assert await ahead.run_checks(await checks_now(fixed, tasks)) == [task.id]
