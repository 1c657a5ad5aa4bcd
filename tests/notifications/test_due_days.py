"""Filing subjects under their next due slot (`scheduling/due.py`), in memory.

The tick reads only the subjects filed under the slots since its last tick. It
must create exactly what reading every live subject at every tick creates, at
the same tick and with the same content (a township's monthly card lists every
project of the township, although it is built from the due ones only).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

from lingban_contracts.divisions import default_tree
from lingban_kit.clock import LOCAL_ZONE
from lingban_notifications.rules.loader import load_rules
from lingban_notifications.scheduling.due import (
    HORIZON_DAYS,
    LIVE,
    next_due_slot,
    slot_times,
    slots_through,
    sweep_key,
)
from lingban_notifications.scheduling.evaluate import Evaluator
from tests.notifications.builders import VILLAGE, VILLAGE_2, directory, evaluator, local, subject

TICK_TIMES = ((8, 0), (8, 35), (9, 5), (9, 40), (16, 5), (23, 30))


def ticks(first: date, last: date, skipped: set[date]) -> list[datetime]:
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    return [
        local(d.year, d.month, d.day, hh, mm)
        for d in days
        if d not in skipped
        for hh, mm in TICK_TIMES
    ]


def _today(at: datetime) -> date:
    return at.astimezone(LOCAL_ZONE).date()


def test_reading_only_due_subjects_creates_what_reading_all_creates() -> None:
    ev = evaluator()
    subjects = {
        s.id: s
        for s in [
            subject(project_id="p1", months=("2026-04", "2026-05")),
            subject(project_id="p2", unit_code=VILLAGE_2, months=("2026-04",)),
            subject(project_id="p3", months=("2026-05",), weeks=("2026-W15", "2026-W16")),
            subject(project_id="p4", status="submitted", submitted_on=date(2026, 4, 1)),
            subject(project_id="p5", status="draft"),
            subject(project_id="p6", status="approved", months=("2026-05",)),
        ]
    }
    # Events on the way: (when, the project after it).
    events = {
        local(2026, 4, 9, 12): replace(subjects["p1"], weeks=frozenset({"2026-W15"})),
        local(2026, 4, 14, 11): replace(subjects["p4"], status="in_execution"),
        local(2026, 4, 20, 12): replace(
            subjects["p5"], status="submitted", submitted_on=date(2026, 4, 20)
        ),
        local(2026, 4, 28, 15): replace(subjects["p6"], status="in_execution"),
    }
    down = {date(2026, 4, 22), date(2026, 4, 23), date(2026, 4, 24)}  # the service was down
    first = ticks(date(2026, 4, 1), date(2026, 5, 12), down)[0]
    times = slot_times(ev.rules)
    filed: dict[str, str | None] = {i: f"{_today(first)}T00:00" for i in subjects}  # applied
    last: date | None = None
    by_all: dict[str, dict[str, str]] = {}
    by_due: dict[str, dict[str, str]] = {}
    read = 0
    for at in ticks(date(2026, 4, 1), date(2026, 5, 12), down):
        for when in [w for w in events if w <= at]:
            changed = events.pop(when)
            subjects[changed.id] = changed
            filed[changed.id] = f"{_today(when)}T00:00"
        today = _today(at)
        live = [s for s in subjects.values() if s.status in LIVE]
        if last is None:
            due = live
        else:
            slots = set(slots_through(last - timedelta(days=1), at, times))
            due = [s for s in subjects.values() if filed[s.id] in slots]
        read += len(due)
        for intents, made in ((ev.evaluate(at, live), by_all), (ev.evaluate(at, due), by_due)):
            for i in intents:
                made.setdefault(i.dedupe_key, i.vars)
        assert by_due == by_all, at
        for s in due:
            filed[s.id] = next_due_slot(ev, s, at)
        last = today
    assert len(by_all) > 50  # the month had plenty to send
    # Most ticks read nothing: far fewer subject reads than every live subject every tick.
    assert read < len(ticks(date(2026, 4, 1), date(2026, 5, 12), down)) * 5 / 4


def test_a_subject_is_due_when_a_new_reminder_can_come_and_not_before() -> None:
    ev = evaluator()
    p = subject(months=("2026-04",), weeks=("2026-W15",))
    # Friday 2026-04-10 10:00, W15 reported: Monday's missing-report check owes
    # nothing, so the next new key is W16's weekly reminder, Friday 04-17 at 09:00.
    assert next_due_slot(ev, p, local(2026, 4, 10, 10)) == "2026-04-17T09:00"
    # Early that Friday the reminder's 09:00 is still to come (the stage's 7-day
    # warning is only due from 04-23).
    assert next_due_slot(ev, p, local(2026, 4, 17, 8, 0)) == "2026-04-17T09:00"
    # Overdue: a warning every working day (daily_while_overdue) at its 08:30.
    assert next_due_slot(ev, p, local(2026, 5, 6, 10)) == "2026-05-07T08:30"


def test_a_subject_with_nothing_scheduled_is_dropped_or_looked_at_after_the_horizon() -> None:
    ev = evaluator()
    assert next_due_slot(ev, subject(status="draft"), local(2026, 4, 10)) is None
    assert next_due_slot(ev, subject(status="completed"), local(2026, 4, 10)) is None
    approved = subject(status="approved", months=("2026-09",))
    horizon = date(2026, 4, 10) + timedelta(days=HORIZON_DAYS)
    assert next_due_slot(ev, approved, local(2026, 4, 10)) == f"{horizon}T00:00"


def test_the_slots_of_a_tick_run_from_the_day_before_the_last_one_up_to_now() -> None:
    times = slot_times(evaluator().rules)
    assert [t.strftime("%H:%M") for t in times] == ["00:00", "08:30", "09:00", "09:30", "16:00"]
    assert slots_through(date(2026, 4, 9), local(2026, 4, 10, 9, 10), times) == [
        "2026-04-09T00:00",
        "2026-04-09T08:30",
        "2026-04-09T09:00",
        "2026-04-09T09:30",
        "2026-04-09T16:00",
        "2026-04-10T00:00",
        "2026-04-10T08:30",
        "2026-04-10T09:00",
    ]


def test_the_sweep_key_follows_rules_directory_ids_and_tree_not_contact_details() -> None:
    rules, tree, entries = load_rules(), default_tree(), directory()
    key = sweep_key(rules, entries, tree)
    assert sweep_key(load_rules(), directory(), default_tree()) == key
    # A contact's channels or name change nothing a dedupe key depends on.
    first = next(iter(entries))
    renamed = {**entries, first: entries[first].model_copy(update={"name": "改名"})}
    assert sweep_key(rules, renamed, tree) == key
    # A new entry (a member department, say) may make reminders due earlier.
    fewer = {k: v for k, v in entries.items() if k != first}
    assert sweep_key(rules, fewer, tree) != key
    changed = rules.model_copy(update={"rules": rules.rules[1:]})
    assert sweep_key(changed, entries, tree) != key
    assert Evaluator(rules, tree, entries).directory is entries
    assert VILLAGE in {u.code for u in tree}
