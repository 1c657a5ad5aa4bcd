"""The figure book's warm-up at start (`FigureBook.warm`): every unit-year with a figure
document is loaded ahead of its first batch, exactly as that batch would have loaded
it, and the figures stay the sums of the documents when batches and other writers run
beside it.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from lingban_contracts.divisions import default_tree
from lingban_kit.mongo import Database
from lingban_reporting.figures.book import FigureBook, UnitState, unit_queries
from lingban_reporting.figures.contributions import UNPLACED
from lingban_reporting.projector import Projector
from lingban_reporting.read_models.generations import ALL_MODELS, ReadModels, ensure_indexes
from lingban_reporting.synthetic import project_year_events
from tests.reporting.conftest import VILLAGE, Commands
from tests.reporting.test_figures import YEAR, assert_figures_are_those_of_the_documents, the_year

pytestmark = pytest.mark.integration

TREE = default_tree()
# The fields a unit's load filters on (`book.unit_queries`), placed units or not.
UNIT_FILTERS = {
    frozenset(query)
    for model in ALL_MODELS
    for code in (VILLAGE, UNPLACED)
    for query in unit_queries(model, YEAR, code)
}


def held(state: UnitState) -> tuple[Any, ...]:
    return (state.entries, state.counts, state.applied, state.as_of, state.rev, state.stored)


async def test_a_warmed_book_holds_every_unit_year_as_its_first_batch_would_load_it(
    database: Database,
) -> None:
    models = ReadModels(database, "warm")
    await ensure_indexes(models)
    # Every counted read model, and rectifications closed in the next year.
    await Projector(database).apply(the_year(), models)
    stored = {(d["year"], d["code"]) async for d in models.figures.find({"kind": "unit"})}
    assert {year for year, _ in stored} == {YEAR, YEAR + 1}

    book = FigureBook(TREE)
    assert await book.warm(models) == len(stored)
    states = book._states[models.generation]
    assert set(states) == stored
    loaded_models = {model for state in states.values() for model, _ in state.entries}
    assert loaded_models == set(ALL_MODELS)
    for key, state in states.items():
        assert held(state) == held(await book._load_unit(models, key, settled=True)), key


def unit_loads(recorder: Commands) -> list[dict[str, Any]]:
    return [query for query in recorder.finds() if frozenset(query) in UNIT_FILTERS]


async def test_after_the_warm_up_a_batch_loads_no_unit_and_the_figures_stay_sums(
    recorded: tuple[Database, Commands],
) -> None:
    database, recorder = recorded
    models = ReadModels(database, "warmed")
    await ensure_indexes(models)
    events = project_year_events(40, seed=51, year=YEAR)
    await Projector(database).apply(events[:-40], models)

    restarted = Projector(database)
    assert await restarted.figures.warm(models) > 0
    recorder.on = True
    await restarted.apply(events[-40:], models)
    recorder.on = False
    assert unit_loads(recorder) == []
    await assert_figures_are_those_of_the_documents(models)

    # Without the warm-up, the same batch loads its units one by one.
    cold = Projector(database)
    recorder.on = True
    await cold.apply(events[-40:], models)
    recorder.on = False
    assert unit_loads(recorder)


async def test_a_warm_up_beside_batches_and_another_writer_leaves_the_figures_sums(
    database: Database,
) -> None:
    models = ReadModels(database, "beside")
    await ensure_indexes(models)
    events = project_year_events(60, seed=52, year=YEAR)
    first, second, third = events[:-120], events[-120:-60], events[-60:]
    await Projector(database).apply(first, models)

    restarted, other = Projector(database), Projector(database)
    # A batch first: the units it loaded and wrote keep its state through the warm-up.
    await restarted.apply(second[:20], models)
    states = restarted.figures._states[models.generation]
    before = dict(states)
    await restarted.figures.warm(models)
    assert all(states[key] is state for key, state in before.items())
    assert len(states) > len(before)
    # Another writer changes units the warm-up read: the next compare-and-set on each
    # of them fails and the unit is loaded again.
    await other.apply(second[20:], models)
    # A second warm-up runs beside batches (as at a restart): whichever loads a unit
    # first keeps it, and every answer stays a sum.
    again = Projector(database)
    await asyncio.gather(again.figures.warm(models), again.apply(third[:30], models))
    await restarted.apply(third, models)
    await again.apply(third[30:], models)
    await assert_figures_are_those_of_the_documents(models)
