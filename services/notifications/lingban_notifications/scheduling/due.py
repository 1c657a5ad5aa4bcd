"""When a project can next owe a scheduled reminder: `due_at` on `reminder_subjects`.

The tick used to read every live project of the year once a minute, although an
unchanged project can owe something new only when a rule's time of day passes
(or the day changes), or when the rules, the directory's ids or the tree
change. So each subject carries `due_at`, a local moment `YYYY-MM-DDTHH:MM`
taken from a small set of slots per day (the start of the day and each rule's
time): the first slot at which evaluating it could give a dedupe key that its
last evaluation did not. The tick reads the slots since the day before its last
tick up to now, one equality each (FerretDB on PostgreSQL pushes no range
down), and after creating the reminders files each subject it read under its
next slot.

The slot is found by asking the evaluator itself, one subject at a time, "as of"
the days and slots ahead: the same pure function that decides what to send
decides when to look again, so the two cannot disagree. The keys compared
include every recipient and period, so a daily overdue reminder makes the
subject due every working day, and a once-only escalation already sent does
not. Everything that can make a slot too late without an event (rules,
directory ids, the division tree, this code) is in `sweep_key`: when it
changes, the next tick reads every live subject again (what every tick did
before) and re-files them. A project event files its project under the start of
the day it is applied on (the projection), so a changed project is evaluated at
the next tick.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta

from lingban_contracts.divisions import DivisionTree
from lingban_contracts.statuses import PROJECT_LIVE_PLAN, ProjectStatus
from lingban_kit.clock import LOCAL_ZONE
from lingban_kit.mongo import Document
from lingban_notifications.directory.domain import Recipient
from lingban_notifications.rules.model import RuleSet
from lingban_notifications.scheduling.evaluate import Evaluator, ProjectSubject
from lingban_notifications.subjects.tracking import DUE_AT, due_slot

# Submitted (awaiting review) and every status with a live stage plan.
LIVE: tuple[str, ...] = (ProjectStatus.SUBMITTED, *PROJECT_LIVE_PLAN)
# A subject with nothing due within this many days is looked at again then anyway.
HORIZON_DAYS = 14
START_OF_DAY = time(0, 0)
# Bumped when the way slots are computed changes: every subject is re-filed once.
DUE_LOGIC = "due-at-v1"


def due_at_filter(slot: str) -> Document:
    """`reminder_subjects` filed under one slot; index (due_at)."""
    return {DUE_AT: slot}


def slot_times(rules: RuleSet) -> list[time]:
    """The moments of a day at which a subject's evaluation can change."""
    return sorted({START_OF_DAY, *(r.at for r in rules.enabled())})


def slots_through(first: date, now: datetime, times: list[time]) -> list[str]:
    """Every slot from the start of `first` up to `now` (local)."""
    local = now.astimezone(LOCAL_ZONE)
    days = [first + timedelta(days=n) for n in range((local.date() - first).days + 1)]
    return [
        due_slot(day, t)
        for day in days
        for t in times
        if datetime.combine(day, t, LOCAL_ZONE) <= local
    ]


def sweep_key(rules: RuleSet, directory: Mapping[str, Recipient], tree: DivisionTree) -> str:
    """Changes whenever a stored slot may have become too late without an event."""
    digest = hashlib.sha256(DUE_LOGIC.encode())
    digest.update(rules.model_dump_json().encode())
    # Keys name recipients by id; the member departments come from the directory.
    digest.update(json.dumps(sorted((i, r.kind.value) for i, r in directory.items())).encode())
    units = sorted((u.code, u.parent or "", str(u.level), u.active) for u in tree.all_units())
    digest.update(json.dumps(units).encode())
    return digest.hexdigest()


def _keys(evaluator: Evaluator, at: datetime, subject: ProjectSubject) -> set[str]:
    return {i.dedupe_key for i in evaluator.evaluate(at, [subject])}


def next_due_slot(evaluator: Evaluator, subject: ProjectSubject, now: datetime) -> str | None:
    """The first slot after `now` at which `subject` may owe a key it did not owe at
    `now`; None when its status owes scheduled reminders never (until an event)."""
    if subject.status not in LIVE:
        return None
    local = now.astimezone(LOCAL_ZONE)
    owed = _keys(evaluator, now, subject)
    times = slot_times(evaluator.rules)
    for ahead in range(HORIZON_DAYS):
        day = local.date() + timedelta(days=ahead)
        end = datetime.combine(day, time(23, 59, 59), LOCAL_ZONE)
        if _keys(evaluator, end, subject) <= owed:
            continue
        for t in times:
            at = datetime.combine(day, t, LOCAL_ZONE)
            if at > local and not _keys(evaluator, at, subject) <= owed:
                return due_slot(day, t)
        return due_slot(day, START_OF_DAY)  # not reached: a new key comes at a rule's time
    return due_slot(local.date() + timedelta(days=HORIZON_DAYS), START_OF_DAY)
