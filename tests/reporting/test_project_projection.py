"""Project read model on the real database: duplicated, late and shuffled events converge."""

from __future__ import annotations

import random

import pytest

from lingban_contracts import Envelope
from lingban_kit.mongo import Database
from lingban_reporting.projector import Projector
from lingban_reporting.projects.state import weeks_reported
from lingban_reporting.read_models.generations import ReadModels
from lingban_reporting.synthetic import project_year_events
from tests.reporting.reference import reference_figures, replay
from tests.reporting.scratch import project_figures

pytestmark = pytest.mark.integration

CITY_PREFIX = "340881"
TOWNSHIP_PREFIX = "340881100"


async def project_docs(models: ReadModels) -> list[dict[str, object]]:
    return [d async for d in models.projects.find({}).sort("_id", 1)]


def comparable(doc: dict[str, object]) -> dict[str, object]:
    return {
        k: v
        for k, v in doc.items()
        if k not in ("rev", "updated_at", "declared_at", "completed_at")
    }


async def apply_in_batches(
    projector: Projector, models: ReadModels, events: list[Envelope], size: int
) -> None:
    for i in range(0, len(events), size):
        await projector.apply(events[i : i + size], models)


async def test_duplicated_and_shuffled_streams_give_the_figures_of_the_events(
    database: Database,
) -> None:
    events = project_year_events(60, seed=11)
    expected = replay(events)

    in_order = ReadModels(database, "inorder")
    await apply_in_batches(Projector(database), in_order, events, 500)

    # Every event twice, then the whole stream shuffled (across and within projects).
    messy = events + random.Random(3).sample(events, len(events))
    random.Random(5).shuffle(messy)
    shuffled = ReadModels(database, "shuffled")
    await apply_in_batches(Projector(database), shuffled, messy, 137)

    for models in (in_order, shuffled):
        docs = await project_docs(models)
        assert len(docs) == len(expected)
        for prefix in (CITY_PREFIX, TOWNSHIP_PREFIX):
            mine = [d for d in docs if str(d["unit_code"]).startswith(prefix)]
            assert project_figures(mine) == reference_figures(expected, prefix)
        for doc in docs:
            ref = expected[str(doc["_id"])]
            assert doc["status"] == ref.status
            assert doc["overdue_months"] == ref.overdue_months
            assert weeks_reported(doc) == ref.weeks
            assert doc["applied_events"] == ref.events
            assert doc["rating"] == ref.rating
    for a, b in zip(await project_docs(in_order), await project_docs(shuffled), strict=True):
        assert {k: (v, b.get(k)) for k, v in comparable(a).items() if b.get(k) != v} == {}


async def test_a_stale_event_does_not_regress_a_newer_status(database: Database) -> None:
    events = [e for e in project_year_events(40, seed=2) if e.type.endswith("project-evaluated.v1")]
    assert events, "the generated year has evaluated projects"
    evaluated = events[0]
    all_of_it = [
        e for e in project_year_events(40, seed=2) if e.aggregate_id == evaluated.aggregate_id
    ]
    models = ReadModels(database, "stale")
    projector = Projector(database)
    await projector.apply(all_of_it, models)
    declared = all_of_it[0]
    # A fresh projector (no cache) gets the declaration again, late and alone.
    await Projector(database).apply([declared], models)
    doc = await models.projects.find_one({"_id": evaluated.aggregate_id})
    assert doc is not None
    assert doc["status"] == "evaluated"
    assert doc["version"] == all_of_it[-1].aggregate_version


async def test_two_writers_on_one_document_both_land(database: Database) -> None:
    """A second replica (or a rebuild's catch-up) writing meanwhile: compare-and-set retries."""
    events = project_year_events(5, seed=4)
    pid = events[0].aggregate_id
    mine = [e for e in events if e.aggregate_id == pid]
    models = ReadModels(database, "cas")
    first, second = Projector(database), Projector(database)
    half = len(mine) // 2
    await first.apply(mine[:1], models)
    await second.apply(mine[1:half], models)  # `first` now holds a stale cached copy
    await first.apply(mine[half:], models)
    doc = await models.projects.find_one({"_id": pid})
    assert doc is not None
    assert doc["applied_events"] == len(mine)
    assert doc["version"] == mine[-1].aggregate_version
