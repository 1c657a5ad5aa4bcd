"""The scheduler reads only the projects filed under the slots since its last tick
(real database): the first tick files every live project under its next due slot,
later ticks read those slots by an indexed equality, and an applied project event
files its project under the start of the day it was applied on."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from lingban_kit.explain import assert_indexed
from lingban_kit.mongo import Collection, Database
from lingban_notifications.scheduling.due import due_at_filter, slot_times, sweep_key
from lingban_notifications.scheduling.scheduler import REFILE_CHUNK
from lingban_notifications.subjects.tracking import DUE_AT, SUBJECTS, project_projection
from tests.notifications.builders import local, subject_doc
from tests.notifications.conftest import NotificationsApi, at
from tests.notifications.test_project_changes_tracking import ABOVE, NOW, announced

pytestmark = pytest.mark.integration


async def due_ids(notif: NotificationsApi) -> list[str]:
    """What the next tick would read, as the tick asks for it."""
    wiring = notif.wiring
    rules = await wiring.rules.current()
    key = sweep_key(rules, await wiring.directory.all(), wiring.tree)
    found = await wiring.scheduler().due_subjects(notif.clock.now(), key, slot_times(rules))
    return sorted(f.subject.id for f in found)


async def stored_slots(notif: NotificationsApi) -> dict[str, str | None]:
    db = notif.app.state.runtime.db
    return {d["_id"]: d.get(DUE_AT) async for d in db[SUBJECTS].find({})}


async def test_a_tick_reads_the_due_slots_only_and_files_what_it_read(
    notif: NotificationsApi,
) -> None:
    db = notif.app.state.runtime.db
    await db[SUBJECTS].insert_many(
        [
            subject_doc("p1", months=("2026-04",), weeks=("2026-W15",)),
            subject_doc("p2", status="draft"),
            subject_doc("p3", status="approved", months=("2026-09",)),
        ]
    )
    # Friday 10 April: the first tick reads every live project (nothing filed yet) ...
    at(notif, local(2026, 4, 10, 10))
    assert await due_ids(notif) == ["p1", "p3"]
    await notif.wiring.scheduler().tick()
    # ... and files each under the first slot it may owe something new: p1 next
    # Friday's weekly reminder (W15 is reported), p3 nothing within the horizon.
    assert await stored_slots(notif) == {
        "p1": "2026-04-17T09:00",
        "p2": None,
        "p3": "2026-04-24T00:00",
    }
    await assert_indexed(db[SUBJECTS], due_at_filter("2026-04-17T09:00"))

    # Monday to Thursday, and Friday before 09:00: nothing is read at all.
    for when in (local(2026, 4, 13, 10), local(2026, 4, 16, 23), local(2026, 4, 17, 8, 59)):
        at(notif, when)
        assert await due_ids(notif) == []
        await notif.wiring.scheduler().tick()
    # Friday after 09:00: p1 is read and reminded of W16, then filed under its next slot.
    at(notif, local(2026, 4, 17, 9, 1))
    assert await due_ids(notif) == ["p1"]
    await notif.wiring.scheduler().tick()
    reminded = await notif.notifications({"rule_id": "weekly-report-reminder"})
    assert {(n["subject_id"], n["period"]) for n in reminded} == {("p1", "2026-W16")}
    # Monday 09:30: W16 not reported, the missing-report check.
    assert (await stored_slots(notif))["p1"] == "2026-04-20T09:30"


async def test_an_applied_event_files_its_project_for_the_next_tick_and_a_redelivery_adds_nothing(
    notif: NotificationsApi,
) -> None:
    db = notif.app.state.runtime.db
    at(notif, local(2026, 4, 10, 10))
    await notif.wiring.scheduler().tick()  # the first (full) tick: nothing tracked yet

    project = announced()
    project.start_execution(date(2026, 2, 9), ABOVE, NOW)
    events = list(project.pending_events)
    apply = project_projection(db, notif.clock)
    at(notif, local(2026, 4, 10, 11))
    for event in events:
        await apply(event)
    assert (await stored_slots(notif))[project.id] == "2026-04-10T00:00"

    at(notif, local(2026, 4, 10, 11, 5))
    assert await due_ids(notif) == [project.id]
    await notif.wiring.scheduler().tick()
    reminded = await notif.notifications({"subject_id": project.id})
    assert {(n["rule_id"], n["period"]) for n in reminded} >= {
        ("weekly-report-reminder", "2026-W15")
    }
    filed = (await stored_slots(notif))[project.id]
    assert filed is not None
    assert filed > "2026-04-10T11:05"

    # Redelivered: the version guard changes nothing, the project stays filed, and a
    # tick creates nothing more.
    at(notif, local(2026, 4, 10, 12))
    for event in events:
        await apply(event)
    assert (await stored_slots(notif))[project.id] == filed
    assert await due_ids(notif) == []
    await notif.wiring.scheduler().tick()
    assert len(await notif.notifications({"subject_id": project.id})) == len(reminded)


class RecordingDatabase:
    """The scheduler's database, recording how many statements each `update` sends."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.update_sizes: list[int] = []

    def __getitem__(self, name: str) -> Collection:
        return self.db[name]

    async def command(self, command: dict[str, Any]) -> dict[str, Any]:
        if "update" in command:
            self.update_sizes.append(len(command["updates"]))
        return await self.db.command(command)


async def test_a_tick_refiles_many_subjects_in_small_commands(notif: NotificationsApi) -> None:
    # Each command holds every subject it names until it returns, and a project event
    # for one of them waits for it: the commands stay small, whatever the tick refiles.
    assert REFILE_CHUNK <= 32
    db = notif.app.state.runtime.db
    ids = [f"p{n:02d}" for n in range(40)]
    await db[SUBJECTS].insert_many([subject_doc(i, weeks=("2026-W15",)) for i in ids])
    at(notif, local(2026, 4, 10, 10))
    scheduler = notif.wiring.scheduler()
    recording = RecordingDatabase(scheduler.db)
    scheduler.db = recording  # type: ignore[assignment]
    await scheduler.tick()
    refiles = [n for n in recording.update_sizes if n > 1]
    assert sum(refiles) == len(ids)
    assert max(refiles) == REFILE_CHUNK
    assert await stored_slots(notif) == dict.fromkeys(ids, "2026-04-17T09:00")
