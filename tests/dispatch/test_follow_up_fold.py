"""Reporting's dispatch follow-up: the folds give the same documents in any order and
with repeats, and the projector builds the figures leaders read (real database)."""

from __future__ import annotations

import itertools
import random
from datetime import date

import pytest

from lingban_contracts import Envelope
from lingban_kit.mongo import Database
from lingban_reporting.dispatch import state
from lingban_reporting.dispatch.reads import DispatchReads, meetings_per_month, tasks_per_unit
from lingban_reporting.projector import Projector
from lingban_reporting.read_models.generations import ReadModels

from .builders import CITY, TOWNSHIP, TOWNSHIP_2, TREE, VILLAGE
from .events import a_quarter_of_dispatch, task_events


def fold(events: list[Envelope]) -> dict[str, object]:
    doc = state.new_task(events[0])
    for e in events:
        state.fold_task(doc, e)
    return doc


def test_a_task_document_does_not_depend_on_order_or_repeats() -> None:
    events = task_events("t", TOWNSHIP, date(2026, 3, 1), date(2026, 3, 5), "orbrc")
    expected = fold(events)
    assert expected["status"] == "closed"
    assert expected["deadline"] == "2026-03-13"  # the new one given on return
    assert expected["overdue"] is False
    assert expected["overdue_deadlines"] == ["2026-03-05"]
    assert expected["closed_on_time"] is True  # the second report was on time
    for order in itertools.islice(itertools.permutations(events), 0, None, 7):
        assert fold([*order, order[0]]) == expected


def test_overdue_now_until_struck_off() -> None:
    waiting = fold(task_events("t", TOWNSHIP, date(2026, 3, 1), date(2026, 3, 5), "o"))
    assert (waiting["status"], waiting["overdue"]) == ("assigned", True)
    reported = fold(task_events("t", TOWNSHIP, date(2026, 3, 1), date(2026, 3, 5), "or"))
    assert (reported["status"], reported["overdue"]) == ("reported", True)
    closed = fold(task_events("t", TOWNSHIP, date(2026, 3, 1), date(2026, 3, 5), "orc"))
    assert (closed["status"], closed["overdue"], closed["closed_on_time"]) == (
        "closed",
        False,
        False,
    )


@pytest.mark.integration
async def test_the_projector_builds_the_follow_up_figures(database: Database) -> None:
    events = a_quarter_of_dispatch()
    messy = events + random.Random(1).sample(events, len(events) // 2)
    random.Random(2).shuffle(messy)
    models = ReadModels(database, "dsp")
    projector = Projector(database)
    for i in range(0, len(messy), 7):
        await projector.apply(messy[i : i + 7], models)
    city, township = TREE.get(CITY), TREE.get(TOWNSHIP)
    assert city is not None
    assert township is not None
    reads = DispatchReads(models, TREE)

    months = meetings_per_month(TREE, await reads.meetings(2026, city))
    assert [(r["region_code"], r["month"], r["held"]) for r in months] == [
        (CITY, "2026-01", 1),
        (CITY, "2026-02", 1),
        (CITY, "2026-03", 1),
        (TOWNSHIP, "2026-03", 1),
    ]
    assert months[3]["by_level"] == {"township_quarterly": 1}
    # A township sees its own meetings, not the city's.
    assert [
        r["region_code"] for r in meetings_per_month(TREE, await reads.meetings(2026, township))
    ] == [TOWNSHIP]

    rows, total = tasks_per_unit(TREE, await reads.tasks(2026, city))
    by_unit = {r["unit_code"]: r for r in rows}
    assert total == {
        "assigned": 5,
        "open": 3,
        "waiting": 2,
        "reported": 1,
        "closed": 2,
        "closed_on_time": 1,
        "overdue": 1,
        "ever_overdue": 2,
        "closure_rate": 0.4,
    }
    assert (by_unit[TOWNSHIP]["closed"], by_unit[TOWNSHIP]["closure_rate"]) == (2, 1.0)
    assert (by_unit[VILLAGE]["overdue"], by_unit[VILLAGE]["unit_name"]) == (1, "北塘村")
    assert (by_unit[TOWNSHIP_2]["reported"], by_unit[TOWNSHIP_2]["waiting"]) == (1, 1)
    # Township A's subtree: its own tasks and its village's.
    _, mine = tasks_per_unit(TREE, await reads.tasks(2026, township))
    assert (mine["assigned"], mine["closed"], mine["overdue"]) == (3, 2, 1)
    # The figure book was left alone: dispatch adds no figure documents.
    assert await models.figures.count_documents({}) == 0
