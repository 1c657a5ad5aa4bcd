"""Which read-model documents a batch reads before writing (`read_models/entities.py`).

With an empty cache (after a restart) a document whose own events in the batch begin
after its aggregate's first was folded before: it is read, not inserted blind (on
FerretDB a colliding insert redoes its whole command one document at a time). A new
aggregate's document is still inserted without a read.
"""

from __future__ import annotations

import pytest

from lingban_contracts import Envelope
from lingban_kit.mongo import Database
from lingban_reporting.projector import Projector
from lingban_reporting.read_models.generations import ReadModels, ensure_indexes
from lingban_reporting.synthetic import project_year_events
from tests.reporting.conftest import Commands
from tests.reporting.test_figures import YEAR, assert_figures_are_those_of_the_documents

pytestmark = pytest.mark.integration


def by_project(events: list[Envelope]) -> dict[str, list[Envelope]]:
    out: dict[str, list[Envelope]] = {}
    for event in events:
        out.setdefault(event.aggregate_id, []).append(event)
    return out


async def test_a_restarted_writer_reads_what_was_folded_before_and_inserts_what_is_new(
    recorded: tuple[Database, Commands],
) -> None:
    database, recorder = recorded
    models = ReadModels(database, "reads")
    await ensure_indexes(models)
    projects = by_project(project_year_events(12, seed=61, year=YEAR))
    long = [pid for pid, events in projects.items() if len(events) > 4]
    old, new = long[:6], [pid for pid in projects if pid not in long[:6]]
    assert len(old) == 6
    assert new
    earlier = [e for pid in old for e in projects[pid][:-3]]
    await Projector(database).apply(earlier, models)

    restarted = Projector(database)  # nothing in memory
    later = [e for pid in old for e in projects[pid][-3:]]
    fresh = [e for pid in new for e in projects[pid]]
    assert all(e.aggregate_version > 1 for e in later)
    recorder.on = True
    await restarted.apply(later + fresh, models)
    recorder.on = False

    collection = models.projects.name
    read = {str(q["_id"]) for q in recorder.finds(collection) if set(q) == {"_id"}}
    assert read == set(old)
    inserted = {
        str(doc["_id"]) for c in recorder.of("insert", collection) for doc in c["documents"]
    }
    assert inserted == set(new)
    await assert_figures_are_those_of_the_documents(models)
