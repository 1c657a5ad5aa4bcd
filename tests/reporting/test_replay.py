"""A replay (`projector.Replay`, what the rebuild and the projection benchmark use)
settles each batch's figures while the next batch's documents are written: it must
end with the documents `Projector.apply` batch after batch writes and with figures
that are the sums of those documents, also when it fails midway and starts again
from the last batch it reported done (real database).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from lingban_contracts import Envelope
from lingban_kit.mongo import Database
from lingban_reporting.figures.layout import Layout
from lingban_reporting.figures.reads import FigureReads, counts_of
from lingban_reporting.projector import Projector, Replay, Written
from lingban_reporting.read_models.generations import ReadModels, ensure_indexes
from tests.projects.four_levels import CITY, DISTRICT, TOWNSHIP, VILLAGE
from tests.reporting.test_district_filters import YEAR, a_year, four_levels, moved, the_unit
from tests.reporting.test_figures import assert_figures_are_those_of_the_documents, the_year

pytestmark = pytest.mark.integration

BATCH = 150


def batches(events: list[Envelope]) -> list[list[Envelope]]:
    return [events[i : i + BATCH] for i in range(0, len(events), BATCH)]


async def documents(models: ReadModels) -> dict[str, list[dict[str, Any]]]:
    """Every read model's documents without their `rev` (it counts writes), the figure
    documents aside (the figures are checked as sums of these)."""
    return {
        base: [
            {k: v for k, v in doc.items() if k != "rev"}
            async for doc in models.collection(base).find({}).sort("_id")
        ]
        for base in (p.base for p in Projector(models.db).projections)
    }


async def test_a_replay_ends_as_batch_after_batch_does(database: Database) -> None:
    events = the_year()
    one_by_one, replayed = ReadModels(database, "seq"), ReadModels(database, "replay")
    for models in (one_by_one, replayed):
        await ensure_indexes(models)
    projector = Projector(database)
    changed = [await projector.apply(batch, one_by_one) for batch in batches(events)]

    replay = Replay(Projector(database), replayed)
    reported = [await replay.apply(batch) for batch in batches(events)]
    reported.append(await replay.drain())

    # Each `apply` reports the batch before it, once settled; `drain` the last.
    assert reported[1:] == changed
    assert reported[0] == 0
    assert await documents(replayed) == await documents(one_by_one)
    await assert_figures_are_those_of_the_documents(replayed)


class FailingOnce(Projector):
    """Fails writing one batch, as a crash or a lost database connection would."""

    def __init__(self, database: Database, fail_at: int) -> None:
        super().__init__(database)
        self.fail_at = fail_at
        self.writes = 0

    async def write(self, events: Sequence[Envelope], target: ReadModels) -> Written:
        self.writes += 1
        if self.writes == self.fail_at:
            raise ConnectionError("the database went away")
        return await super().write(events, target)


async def test_a_replay_that_fails_starts_again_from_the_last_batch_it_reported(
    database: Database,
) -> None:
    events = the_year()
    models = ReadModels(database, "again")
    await ensure_indexes(models)
    parts = batches(events)
    replay = Replay(FailingOnce(database, fail_at=6), models)
    for batch in parts[:5]:
        await replay.apply(batch)
    done = 4  # `apply` of the fifth returned: the fourth is settled (a checkpoint)
    with pytest.raises(ConnectionError):
        await replay.apply(parts[5])
    # The failure cancelled the settling of batch 5: nothing runs on after it.
    assert replay._settling is None

    # A restart: nothing in memory, from the batch after the last one reported.
    again = Replay(Projector(database), models)
    for batch in parts[done:]:
        await again.apply(batch)
    await again.drain()
    expected = ReadModels(database, "expected")
    await ensure_indexes(expected)
    await Projector(database).apply(events, expected)
    assert await documents(models) == await documents(expected)
    await assert_figures_are_those_of_the_documents(models)


async def test_a_replay_with_a_unit_moved_midway_ends_as_batch_after_batch_does(
    database: Database,
) -> None:
    world = a_year()
    # Small batches, the move among them: batches before it, and after it the later
    # events of the moved village's projects.
    project = world.within(VILLAGE)[1]
    project.start()
    stream = world.events()
    later = stream.index(project.events[-1])
    before, after = stream[:later], stream[later:]
    parts = [before[i : i + 4] for i in range(0, len(before), 4)]
    parts.append([moved(the_unit(four_levels(), VILLAGE), DISTRICT, 2)])
    parts += [after[i : i + 4] for i in range(0, len(after), 4)]

    other = database.client[f"{database.name}_seq"]
    try:
        expected = ReadModels(other, "seq")
        await ensure_indexes(expected)
        sequential = Projector(other, four_levels())
        for part in parts:
            await sequential.apply(part, expected)

        tree = four_levels()
        models = ReadModels(database, "replay")
        await ensure_indexes(models)
        replay = Replay(Projector(database, tree), models)
        for part in parts:
            await replay.apply(part)
        await replay.drain()

        assert the_unit(tree, VILLAGE).parent == DISTRICT
        assert await documents(models) == await documents(expected)
        reads = FigureReads(models, Layout(tree))
        township = counts_of(await reads.subtree(YEAR, the_unit(tree, TOWNSHIP)))
        district = counts_of(await reads.subtree(YEAR, the_unit(tree, DISTRICT)))
        assert township.get("p") == 2  # 长风村 and the township's own
        assert district.get("p") == 4  # the district still holds all four
        expected_reads = FigureReads(expected, Layout(sequential.tree))
        for code in (TOWNSHIP, DISTRICT, CITY):
            got = await reads.subtree(YEAR, the_unit(tree, code))
            want = await expected_reads.subtree(YEAR, the_unit(sequential.tree, code))
            assert counts_of(got) == counts_of(want), code
    finally:
        await database.client.drop_database(other.name)
