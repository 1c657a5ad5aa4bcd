"""Every query the reporting service runs on its hot paths is served by an index.

The real code paths run on a client that records every filter it sends (find,
count, aggregate `$match`, and each write's `q`): the live consumer's batches,
with redeliveries and a second writer (the compare-and-set and reload paths),
then every dashboard and bulletin query. Each distinct filter shape is then
explained on the real database (`lingban_kit.explain`). The filter builders the
code uses are also checked one by one, so a failure names the query.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest
from pymongo import AsyncMongoClient, monitoring

from devstack.infra import Endpoints
from lingban_contracts.divisions import default_tree
from lingban_kit.explain import assert_indexed
from lingban_kit.mongo import Database
from lingban_reporting.bulletins.domain import Quarter, bulletin
from lingban_reporting.figures.book import children_query, unit_queries
from lingban_reporting.figures.contributions import UNPLACED
from lingban_reporting.figures.layout import ALL, Layout, rollup_id, unit_id
from lingban_reporting.figures.reads import FigureReads, counts_of, freshness
from lingban_reporting.overview.service import Reports
from lingban_reporting.projector import Projector
from lingban_reporting.projects.repository import (
    MongoProjectReadRepository,
    ProjectFilter,
    overdue_query,
)
from lingban_reporting.read_models.entities import id_filter, write_filter
from lingban_reporting.read_models.generations import (
    ALL_MODELS,
    META,
    POINTER_ID,
    ReadModels,
    ensure_indexes,
    mark_figures_built,
)
from lingban_reporting.supervision.repository import RECTIFICATION_STATUSES, rectification_queries
from lingban_reporting.synthetic import project_year_events
from lingban_reporting.synthetic_supervision import supervision_year_events
from tests.reporting.conftest import CITY, TOWNSHIP, VILLAGE
from tests.reporting.test_figures import notifications

pytestmark = pytest.mark.integration

YEAR = 2026
TREE = default_tree()
Doc = dict[str, Any]


@dataclass
class Recorder(monitoring.CommandListener):
    """(collection, filter) of every query and write command, while `on`."""

    on: bool = False
    filters: list[tuple[str, Doc]] = field(default_factory=list)

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if not self.on:
            return
        command, name = event.command, event.command_name.lower()
        if name == "find":
            self.filters.append((command["find"], dict(command.get("filter") or {})))
        elif name == "count":
            self.filters.append((command["count"], dict(command.get("query") or {})))
        elif name in ("update", "delete"):
            for op in command.get(f"{name}s", []):
                self.filters.append((command[name], dict(op["q"])))
        elif name == "findandmodify":
            self.filters.append((command[event.command_name], dict(command.get("query") or {})))
        elif name == "aggregate":
            first = (command.get("pipeline") or [{}])[0]
            self.filters.append((command["aggregate"], dict(first.get("$match") or {})))

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        return None

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        return None


@dataclass
class Recorded:
    db: Database
    models: ReadModels
    recorder: Recorder


def shape(filter: Doc) -> tuple[tuple[str, str], ...]:
    """Which fields, compared how: one representative filter per shape is explained."""
    return tuple(
        sorted(
            (k, type(v).__name__ if not isinstance(v, dict) else str(sorted(v)))
            for k, v in filter.items()
        )
    )


@pytest.fixture
async def recorded(infra: Endpoints) -> AsyncIterator[Recorded]:
    recorder = Recorder()
    client: AsyncMongoClient[Doc] = AsyncMongoClient(
        infra.mongodb_uri, tz_aware=True, event_listeners=[recorder]
    )
    db = client[f"lingban_test_{uuid.uuid4().hex[:10]}"]
    models = ReadModels(db, "plans")
    try:
        await ensure_indexes(models)
        await mark_figures_built(models)
        recorder.on = True
        events = (
            project_year_events(40, seed=5, year=YEAR)
            + supervision_year_events(year=YEAR, months=2, seed=5)
            + notifications(20, seed=5)
        )
        first, second = Projector(db), Projector(db)
        for start in range(0, len(events), 300):
            await first.apply(events[start : start + 300], models)
        # A second writer with nothing in memory gets some again; the first follows.
        await second.apply(events[::7], models)
        await first.apply(events[::5], models)
        await run_the_queries(models)
        recorder.on = False
        yield Recorded(db, models, recorder)
    finally:
        await client.drop_database(db.name)
        await client.close()


async def run_the_queries(models: ReadModels) -> None:
    """What the dashboard, the lists and the bulletin ask, for each kind of region."""
    reports = Reports(models, TREE, date(YEAR, 7, 15))
    repository = MongoProjectReadRepository(models, TREE)
    reads = FigureReads(models, Layout(TREE))
    for code in (CITY, TOWNSHIP, VILLAGE):
        root = TREE.get(code)
        assert root is not None
        await reports.overview(YEAR, root)
        await reports.units(YEAR, root)
        await reports.categories(YEAR, root)
        await reports.coverage(YEAR, root)
        await reports.overdue_stages(YEAR, root, 100)
        for status in (None, "open", "overdue", "closed"):
            await reports.rectifications(root, status, 100)
        q = Quarter(YEAR, 2)
        children = await reads.children(YEAR, root)
        totals = counts_of(await reads.subtree(YEAR, root))
        bulletin(TREE, root, q, totals, {c: counts_of(d) for c, d in children.items()})
        for where in (
            ProjectFilter(YEAR, code),
            ProjectFilter(YEAR, code, status="in_execution"),
            ProjectFilter(YEAR, code, overdue=False),
            ProjectFilter(YEAR, code, category="小区治理", status="draft"),  # read, not planned
        ):
            await repository.page(where, 20, 5)
    city = TREE.get(CITY)
    assert city is not None
    await reports.rankings(YEAR, city, "completion_rate")
    await freshness(models)


async def test_every_recorded_query_is_served_by_an_index(recorded: Recorded) -> None:
    filters = recorded.recorder.filters
    assert len(filters) > 100, "the code paths ran"
    assert all(f for _, f in filters), "no query without a filter"
    representatives: dict[tuple[str, tuple[tuple[str, str], ...]], Doc] = {}
    for collection, filter in filters:
        representatives.setdefault((collection, shape(filter)), filter)
    assert len(representatives) > 15, sorted(representatives)
    for (collection, _), filter in sorted(representatives.items(), key=lambda kv: str(kv[0])):
        await assert_indexed(recorded.db[collection], filter)


async def test_each_filter_the_code_builds_is_served_by_an_index(recorded: Recorded) -> None:
    models = recorded.models
    for base in ALL_MODELS:
        doc = await models.collection(base).find_one({"year": YEAR})
        assert doc is not None, base
        await assert_indexed(models.collection(base), id_filter(str(doc["_id"])))
        await assert_indexed(
            models.collection(base), write_filter(str(doc["_id"]), int(doc["rev"]))
        )
        for code in (VILLAGE, UNPLACED):
            for query in unit_queries(base, YEAR, code):
                await assert_indexed(models.collection(base), query)
    figures = models.figures
    for doc_id in (unit_id(YEAR, VILLAGE), rollup_id(YEAR, TOWNSHIP), ALL):
        await assert_indexed(figures, id_filter(doc_id))
        await assert_indexed(figures, write_filter(doc_id, 1))
        await assert_indexed(figures, children_query(doc_id))
    for code in (CITY, TOWNSHIP, VILLAGE):
        where = ProjectFilter(YEAR, code, category="小区治理", status="draft", overdue=True)
        await assert_indexed(models.projects, where.query())
        await assert_indexed(models.projects, where.unit_query(VILLAGE))
        await assert_indexed(models.projects, overdue_query(YEAR, code))
        for query in rectification_queries(code, RECTIFICATION_STATUSES):
            await assert_indexed(models.rectifications, query)
    await assert_indexed(models.db[META], id_filter(POINTER_ID))
