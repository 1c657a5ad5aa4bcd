"""Roll-ups summed from the children the book knows (`figures/known.py`) stay sums of
the children as stored.

A writer that knows every child of a roll-up at least at the rev the roll-up's
last sum recorded sums without reading them; these check that it then reads no
children, that it reads them whenever it may not know them as stored (a child
another writer changed and died before summing; a unit its batch touched but it
did not write), and the bookkeeping of what it knows.
"""

from __future__ import annotations

from typing import Any

import pytest

from lingban_contracts.divisions import default_tree
from lingban_kit.mongo import Collection, Database
from lingban_reporting.figures.book import FigureBook, children_query
from lingban_reporting.figures.known import KnownDocs
from lingban_reporting.figures.layout import ALL, Layout, rollup_id
from lingban_reporting.figures.packing import counts_of, pack_counts, pack_summed
from lingban_reporting.projector import Projector
from lingban_reporting.read_models.entities import id_filter, write_filter
from lingban_reporting.read_models.generations import PROJECTS, ReadModels, ensure_indexes
from lingban_reporting.synthetic import project_year_events
from tests.projects.four_levels import DISTRICT, TOWNSHIP, VILLAGE
from tests.reporting.conftest import Commands
from tests.reporting.test_district_filters import a_year, four_levels, moved, the_unit
from tests.reporting.test_figures import YEAR, assert_figures_are_those_of_the_documents

TREE = default_tree()
Doc = dict[str, Any]


def rollup(doc_id: str, **revs: int) -> Doc:
    return {"_id": doc_id, "rev": 1, "summed": pack_summed(revs)}


def child(doc_id: str, rev: int, parent: str = "r") -> Doc:
    return {"_id": doc_id, "rev": rev, "sums_into": parent}


def test_known_children_serve_a_sum_only_if_they_are_what_its_last_sum_used_or_newer() -> None:
    known = KnownDocs()
    known.learn(child("a", 2))
    known.learn(child("b", 5))
    assert {c["_id"] for c in known.children(rollup("r", a=2, b=4)) or []} == {"a", "b"}
    assert known.children(rollup("r", a=3, b=4)) is None  # a changed since we knew it
    assert known.children(rollup("r", a=2)) is None  # b unknown to the roll-up: new, or moved
    assert known.children(rollup("r", a=2, b=5, c=1)) is None  # c unknown to us
    assert known.children({"_id": "r", "rev": 1}) is None  # summed before revs were recorded
    assert known.children(None) is None
    known.learn(child("a", 1))  # an older rev teaches nothing
    assert known.children(rollup("r", a=2, b=5)) is not None
    known.learn(child("b", 6, parent="q"))  # moved to another roll-up
    assert known.children(rollup("r", a=2, b=5)) is None
    assert known.children(rollup("q", b=6)) is not None
    known.learn(child("c", 1))
    known.learn_children("r", [child("a", 2)])  # as read: c is not under r (any more)
    assert known.children(rollup("r", a=2)) is not None
    known.forget("a")
    assert known.children(rollup("r", a=2)) is None


def test_a_document_read_again_with_fewer_fields_is_still_known_whole() -> None:
    known = KnownDocs()
    known.learn({**rollup("r", a=1), "sums_into": "q", "kind": "rollup"})
    known.learn(child("r", 1, parent="q"))  # the same rev, read as q's child
    assert (known.get("r") or {}).get("summed") == pack_summed({"a": 1})
    assert known.children({**rollup("q", r=1)}) is not None  # still q's child
    known.learn(child("r", 2, parent="q"))  # a later rev: nothing of the old one holds
    assert "summed" not in (known.get("r") or {})


def child_reads(recorder: Commands) -> list[str]:
    """The roll-ups whose children were read (`sums_into` equalities)."""
    return [str(q["sums_into"]) for q in recorder.finds() if set(q) == {"sums_into"}]


def rollup_reads(recorder: Commands) -> list[str]:
    """The roll-ups read themselves (by `_id`)."""
    ids = [str(q["_id"]) for q in recorder.finds() if set(q) == {"_id"}]
    return [i for i in ids if i.startswith(("r:", ALL))]


async def stored_sum_holds(figures: Collection, doc_id: str) -> None:
    """The roll-up's counters are the sum of its children's as stored."""
    expected: dict[str, float] = {}
    async for doc in figures.find(children_query(doc_id)):
        for name, value in counts_of(doc).items():
            expected[name] = expected.get(name, 0) + value
    assert counts_of(await figures.find_one(id_filter(doc_id))) == {
        k: v for k, v in expected.items() if v
    }, doc_id


@pytest.mark.integration
async def test_a_writer_that_knows_the_children_sums_without_reading_them(
    recorded: tuple[Database, Commands],
) -> None:
    database, recorder = recorded
    models = ReadModels(database, "known")
    await ensure_indexes(models)
    events = project_year_events(20, seed=41, year=YEAR)
    writer = Projector(database)
    await writer.apply(events[:-20], models)
    recorder.on = True
    await writer.apply(events[-20:], models)  # more events of the same projects
    recorder.on = False
    assert child_reads(recorder) == []
    # It wrote the roll-ups last too: it writes them on what it knows, reading none.
    assert rollup_reads(recorder) == []
    await assert_figures_are_those_of_the_documents(models)

    # Another writer changes units of the same roll-ups, and ours gets a batch again
    # (changing nothing in its view): it reads the children it may not know as stored.
    other = Projector(database)
    await other.apply(project_year_events(20, seed=42, year=YEAR), models)
    recorder.on = True
    await writer.apply(events[-20:], models)
    recorder.on = False
    assert child_reads(recorder)
    # Its compare-and-sets on the roll-ups the other writer changed failed: it read them.
    assert rollup_reads(recorder)
    await assert_figures_are_those_of_the_documents(models)


@pytest.mark.integration
async def test_a_unit_changed_by_a_writer_that_died_before_summing_is_summed_by_the_next(
    database: Database,
) -> None:
    models = ReadModels(database, "died")
    await ensure_indexes(models)
    events = project_year_events(20, seed=43, year=YEAR)
    writer = Projector(database)
    await writer.apply(events, models)
    project = await models.projects.find_one({"year": YEAR})
    assert project is not None
    unit = f"u:{YEAR}:{project['unit_code']}"
    # A writer that wrote the unit's figure document, then died before its roll-ups.
    stored = await models.figures.find_one(id_filter(unit))
    assert stored is not None
    counts = counts_of(stored)
    counts["p"] += 1
    result = await models.figures.replace_one(
        write_filter(unit, stored["rev"]),
        {**stored, "counts": pack_counts(counts), "rev": stored["rev"] + 1},
    )
    assert result.matched_count == 1
    # Our writer gets a change of the unit that changes nothing in its view of it (a
    # redelivered one), so it writes no unit document: it must not sum from its view.
    change = (PROJECTS, str(project["_id"]), project, project, True)
    await writer.figures.apply(models, [change])
    for doc_id in Layout(TREE).chain(YEAR, str(project["unit_code"])):
        if doc_id != ALL:
            await stored_sum_holds(models.figures, doc_id)


@pytest.mark.integration
async def test_a_move_redelivered_after_its_writer_died_before_summing_sums_both_places(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    tree, world = four_levels(), a_year()
    models = ReadModels(database, "moved")
    await ensure_indexes(models)
    projector = Projector(database, tree)
    await projector.apply(world.events(), models)
    move = moved(the_unit(tree, VILLAGE), DISTRICT, 2)

    async def die(*_: object) -> None:
        raise RuntimeError("died before summing")

    with monkeypatch.context() as patch:
        patch.setattr(FigureBook, "_sum_rollup", die)
        with pytest.raises(RuntimeError, match="died"):
            await projector.apply([move], models)
    moved_doc = await models.figures.find_one(id_filter(f"u:{YEAR}:{VILLAGE}"))
    assert moved_doc is not None
    assert moved_doc["sums_into"] == rollup_id(YEAR, DISTRICT)  # moved, not summed

    await projector.apply([move], models)  # the event again: everything is in place
    for code in (TOWNSHIP, DISTRICT):
        await stored_sum_holds(models.figures, rollup_id(YEAR, code))
    township = counts_of(await models.figures.find_one(id_filter(rollup_id(YEAR, TOWNSHIP))))
    assert township.get("p") == 2
