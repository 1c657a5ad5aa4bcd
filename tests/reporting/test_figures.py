"""Pre-aggregated figures on the real database equal the figures recomputed from scratch.

A year of project, supervision and notification events (plus the next January:
rectifications closed across the year's end) goes through `Projector.apply` the
messy way the topics deliver it: duplicated, shuffled, in batches, by two
writers taking turns and a third that starts with nothing in memory. Then every
figure endpoint's answer (city, township, village; two different days for the
date-dependent figures) must equal what the per-document computations of
`scratch.py` make of every stored read-model document.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest

from lingban_contracts import Actor, Envelope, new_envelope
from lingban_contracts.divisions import Unit, default_tree
from lingban_contracts.events import notifications as nt
from lingban_kit.mongo import Database
from lingban_reporting.bulletins.domain import Quarter, bulletin
from lingban_reporting.figures.book import FigureBook
from lingban_reporting.figures.derive import rank
from lingban_reporting.figures.layout import Layout
from lingban_reporting.figures.reads import FigureReads, counts_of, freshness
from lingban_reporting.overview.service import Reports
from lingban_reporting.projector import Projector
from lingban_reporting.read_models.generations import (
    ReadModels,
    ensure_indexes,
    figures_built,
    mark_figures_built,
)
from lingban_reporting.synthetic import project_year_events
from lingban_reporting.synthetic_supervision import supervision_year_events
from tests.reporting import scratch
from tests.reporting.conftest import CITY, TOWNSHIP, VILLAGE

pytestmark = pytest.mark.integration

YEAR = 2026
TREE = default_tree()


def notifications(count: int, seed: int) -> list[Envelope]:
    """Sent notifications, some acknowledged, over the villages of the tree."""
    rnd = random.Random(seed)
    villages = [u.code for u in TREE if u.level.value == "village"]
    events: list[Envelope] = []
    for i in range(count):
        at = datetime(YEAR, rnd.randint(1, 12), 3, 1, tzinfo=UTC)
        unit, notification_id = villages[i % len(villages)], f"n{seed}-{i}"
        common = {
            "notification_id": notification_id,
            "rule_id": "monthly-card",
            "kind": "monthly_card",
            "dedupe_key": f"monthly-card|project:p{i}|u{i}|{at:%Y-%m}",
            "channel": nt.Channel.INBOX,
            "recipient_id": f"u{i}",
            "recipient_kind": "secretary",
            "unit_code": unit,
            "subject_type": "project",
            "subject_id": f"p{i}",
            "period": f"{at:%Y-%m}",
            "requires_acknowledgement": rnd.random() < 0.8,
            "created_at": at,
        }
        payloads: list[nt.NotificationEvent] = [
            nt.NotificationSent(**common, attempt=1, sent_at=at)
        ]
        if rnd.random() < 0.6:
            payloads.append(
                nt.NotificationAcknowledged(
                    **common, acknowledged_at=at, acknowledged_by=f"u{i}", escalated=False
                )
            )
        events += [
            new_envelope(
                data=p,
                source_service="notifications",
                actor=Actor(id="system:notifications"),
                region_code=unit,
                aggregate_id=notification_id,
                aggregate_version=v,
                time=at + timedelta(minutes=v),
            )
            for v, p in enumerate(payloads, start=1)
        ]
    return events


def _in_a_few_townships(events: list[Envelope]) -> list[Envelope]:
    """Keeps the test quick: the supervision of three townships (TOWNSHIP; one that closes a
    rectification the next January)."""
    kept = (TOWNSHIP, "340881003000", "340881107000")
    return [e for e in events if str(e.data.get("township_code")) in kept]


def the_year() -> list[Envelope]:
    return (
        project_year_events(60, seed=31, year=YEAR)
        + _in_a_few_townships(supervision_year_events(year=YEAR, months=12, seed=5))
        + _in_a_few_townships(supervision_year_events(year=YEAR + 1, months=1, seed=6))
        + notifications(40, seed=7)
    )


async def apply_messily(database: Database, models: ReadModels, events: list[Envelope]) -> None:
    messy = events + random.Random(11).sample(events, len(events) // 3)
    random.Random(12).shuffle(messy)
    writers = [Projector(database), Projector(database)]
    for n, start in enumerate(range(0, len(messy), 400)):
        if n == 5:
            writers[0] = Projector(database)  # a restart: nothing in memory
        await writers[n % 2].apply(messy[start : start + 400], models)


def regions() -> list[Unit]:
    units = [TREE.get(code) for code in (CITY, TOWNSHIP, VILLAGE)]
    return [u for u in units if u is not None]


async def assert_figures_are_those_of_the_documents(models: ReadModels) -> None:
    docs = await scratch.Documents.load(models)
    for today in (date(YEAR, 7, 15), date(YEAR + 1, 3, 1)):
        reports = Reports(models, TREE, today)
        for root in regions():
            for year in (YEAR, YEAR + 1):
                got = await reports.overview(year, root)
                assert got.pop("as_of") == scratch.freshness(docs)["as_of"]
                assert got == scratch.overview(docs, TREE, year, root, today), (root, year, today)
                assert await reports.units(year, root) == scratch.units(docs, TREE, year, root)
                assert await reports.categories(year, root) == scratch.categories(docs, year, root)
                assert await reports.coverage(year, root) == scratch.coverage_answer(
                    docs, TREE, year, root
                )
    city = TREE.get(CITY)
    assert city is not None
    ranked = await Reports(models, TREE, date(YEAR, 12, 31)).rankings(YEAR, city, "overdue_rate")
    assert [i["unit"]["code"] for i in ranked["items"]] == [
        r["unit"]["code"]
        for r in rank(scratch.units(docs, TREE, YEAR, city)["items"], "overdue_rate")
    ]
    reads = FigureReads(models, Layout(TREE))
    for root in regions():
        for q in [Quarter(YEAR, n) for n in (1, 2, 3, 4)] + [Quarter(YEAR + 1, 1)]:
            children = await reads.children(q.year, root)
            totals = counts_of(await reads.subtree(q.year, root))
            got = bulletin(TREE, root, q, totals, {c: counts_of(d) for c, d in children.items()})
            expected = scratch.bulletin_answer(docs, TREE, q, root)
            assert {"rows": got["rows"], "totals": got["totals"]} == expected, (root, q)
    assert await freshness(models) == scratch.freshness(docs)


async def test_figures_after_a_messy_stream_equal_the_figures_from_scratch(
    database: Database,
) -> None:
    models = ReadModels(database, "fig")
    await ensure_indexes(models)
    events = the_year()
    await apply_messily(database, models, events)
    docs = await scratch.Documents.load(models)
    # The data set exercises what the figures count.
    assert {d["status"] for d in docs.projects} >= {"draft", "in_execution", "evaluated"}
    assert any(d.get("overdue") for d in docs.projects)
    closed_next_year = [
        r
        for r in docs.rectifications
        if r["status"] == "closed" and r["year"] == YEAR and r["closed_at"].year == YEAR + 1
    ]
    assert closed_next_year, "a rectification of the year closed the next January"
    assert any(n.get("acknowledged") for n in docs.notifications)
    await assert_figures_are_those_of_the_documents(models)

    # Everything once more, by a writer with nothing in memory: nothing changes.
    figures = [d async for d in models.figures.find({}).sort("_id", 1)]
    await Projector(database).apply(events, models)
    assert [d async for d in models.figures.find({}).sort("_id", 1)] == figures


async def test_a_writer_that_died_before_settling_the_figures_is_settled_by_the_redelivery(
    database: Database,
) -> None:
    models = ReadModels(database, "died")
    await ensure_indexes(models)
    events = project_year_events(30, seed=8, year=YEAR)
    first, rest = events[: len(events) // 2], events[len(events) // 2 :]
    await Projector(database).apply(first, models)
    # A writer writes the read models of the rest, then dies before the figures.
    dying = Projector(database)
    for projection in dying.projections:
        batch = [e for e in rest if e.type in projection.event_types]
        if batch:
            await projection.apply(models, batch)
    # The batch comes again (its offsets were never committed), to another writer.
    await Projector(database).apply(rest, models)
    await assert_figures_are_those_of_the_documents(models)


async def test_a_generation_written_before_figures_existed_gets_them_at_start(
    database: Database,
) -> None:
    models = ReadModels(database, "old")
    await ensure_indexes(models)
    await apply_messily(database, models, the_year())
    await models.figures.drop()  # as a generation of the earlier version has none
    assert not await figures_built(models)
    await FigureBook(TREE).backfill(models)  # what the service's start does
    await mark_figures_built(models)
    assert await figures_built(models)
    await assert_figures_are_those_of_the_documents(models)
