"""Figure documents keep their counters and covered units as packed text (`figures/packing.py`).

The text is what FerretDB decodes cheaply; these check that it means exactly what
the embedded form meant: any counter name survives, equal sums pack equal (so a
roll-up whose sum did not change is not rewritten), and documents an earlier
version wrote (embedded counters, percent-encoded names) still read, still sum
into their roll-ups, and are rewritten packed when the book next writes them.
"""

from __future__ import annotations

from typing import Any

import pytest

from lingban_contracts.divisions import default_tree
from lingban_kit.mongo import Database
from lingban_reporting.figures.book import rollup_content
from lingban_reporting.figures.layout import Layout, rollup_id
from lingban_reporting.figures.packing import (
    counts_of,
    covered_of,
    pack_counts,
    pack_covered,
    pack_summed,
)
from lingban_reporting.projector import Projector
from lingban_reporting.read_models.generations import ReadModels, ensure_indexes
from lingban_reporting.synthetic import project_year_events
from tests.reporting.conftest import CITY, TOWNSHIP, VILLAGE
from tests.reporting.test_figures import YEAR, assert_figures_are_those_of_the_documents

TREE = default_tree()
Doc = dict[str, Any]
# Free-text categories become counter names: dots, a leading `$`, `%`, quotes, Chinese.
AWKWARD = {
    "p": 3,
    "pkn:道路.硬化": 2,
    "pkn:$100%": 1,
    'pkn:"引号"\\': 1,
    "id": 2.5,
    "ps:draft": 0,
}


def embedded(counts: dict[str, float]) -> dict[str, float]:
    """Counters as the earlier version stored them: an embedded document, names encoded."""
    return {
        name.replace("%", "%25").replace(".", "%2E"): value
        for name, value in sorted(counts.items())
        if value
    }


def test_packed_counters_read_back_as_they_were_zeros_left_out() -> None:
    packed = pack_counts(AWKWARD)
    assert isinstance(packed, str)
    assert counts_of({"counts": packed}) == {k: v for k, v in AWKWARD.items() if v}
    assert counts_of({"counts": embedded(AWKWARD)}) == counts_of({"counts": packed})
    assert counts_of(None) == {}
    assert counts_of({"counts": pack_counts({})}) == {}


def test_equal_sums_pack_equal_whatever_the_order() -> None:
    reordered = dict(reversed(list(AWKWARD.items())))
    assert pack_counts(reordered) == pack_counts(AWKWARD)
    assert pack_counts({"p": 1, "pc": 0}) == pack_counts({"p": 1})
    assert pack_counts({"id": 2.0, "p": 1}) == pack_counts({"id": 2, "p": 1.0})
    assert pack_covered(["b", "a", "b"]) == pack_covered(["a", "b"])
    assert covered_of({"covered": pack_covered(["b", "a"])}) == ["a", "b"]
    assert covered_of({"covered": ["a"]}) == ["a"]  # the array form
    assert covered_of({}) == []


def test_a_rollup_sums_children_of_either_form_into_the_packed_form() -> None:
    layout = Layout(TREE)
    old_child: Doc = {
        "_id": "u:2026:a",
        "rev": 3,
        "counts": embedded({"p": 2, "pkn:道路.硬化": 2}),
        "covered": [VILLAGE],
        "applied": 5,
        "as_of": None,
    }
    new_child: Doc = {
        "_id": "u:2026:b",
        "rev": 1,
        "counts": pack_counts({"p": 1, "pkn:道路.硬化": 1, "id": 0.5}),
        "covered": pack_covered([TOWNSHIP]),
        "applied": 2,
        "as_of": None,
    }
    summed = rollup_content(layout, rollup_id(YEAR, TOWNSHIP), [old_child, new_child])
    assert counts_of(summed) == {"p": 3, "pkn:道路.硬化": 3, "id": 0.5}
    assert covered_of(summed) == sorted([VILLAGE, TOWNSHIP])
    assert summed["applied"] == 7
    assert summed["summed"] == pack_summed({"u:2026:a": 3, "u:2026:b": 1})
    both_new = [{**old_child, "counts": pack_counts(counts_of(old_child))}, new_child]
    assert rollup_content(layout, rollup_id(YEAR, TOWNSHIP), both_new) == summed


@pytest.mark.integration
async def test_figure_documents_of_the_embedded_form_read_sum_and_get_packed(
    database: Database,
) -> None:
    models = ReadModels(database, "packing")
    await ensure_indexes(models)
    events = project_year_events(30, seed=21, year=YEAR)
    first, rest = events[: len(events) // 2], events[len(events) // 2 :]
    await Projector(database).apply(first, models)
    stored = [d async for d in models.figures.find({})]
    assert stored
    assert all(isinstance(d["counts"], str) for d in stored if d["kind"] != "all")

    # As an earlier version left them: embedded counters, covered units as arrays.
    revs: dict[str, int] = {}
    for doc in stored:
        revs[doc["_id"]] = doc["rev"]
        if doc["kind"] != "all":
            old = {**doc, "counts": embedded(counts_of(doc)), "covered": covered_of(doc)}
            await models.figures.replace_one({"_id": doc["_id"]}, old)
    await assert_figures_are_those_of_the_documents(models)

    await Projector(database).apply(rest, models)  # a restart: nothing in memory
    await assert_figures_are_those_of_the_documents(models)
    after = [d async for d in models.figures.find({}) if d["kind"] != "all"]
    rewritten = [d for d in after if d["rev"] > revs.get(d["_id"], 0)]
    assert rollup_id(YEAR, CITY) in {d["_id"] for d in rewritten}
    for doc in rewritten:
        assert isinstance(doc["counts"], str), doc["_id"]
        assert isinstance(doc["covered"], str), doc["_id"]
    assert any(isinstance(d["counts"], dict) for d in after)  # the others still read
