"""Supervision read models: a duplicated, shuffled stream gives the figures of the events."""

from __future__ import annotations

import random
from datetime import date

import pytest

from lingban_contracts import Envelope
from lingban_kit.mongo import Database
from lingban_reporting.projector import Projector
from lingban_reporting.read_models.generations import ReadModels
from lingban_reporting.synthetic_supervision import supervision_year_events
from tests.reporting.scratch import problem_figures, supervision_figures

pytestmark = pytest.mark.integration


def reference(events: list[Envelope]) -> dict[str, object]:
    """Plain counting over the distinct events."""
    unique = {(e.aggregate_id, e.aggregate_version): e for e in events}.values()
    names = [e.type.split(".")[2] for e in unique]
    recorded = [e for e in unique if e.type.endswith("inspection-recorded.v1")]
    return {
        "inspections": len(recorded),
        "failed": sum(1 for e in recorded if not e.data["passed"]),
        "deductions": float(sum(e.data["deductions"] for e in recorded)),
        "rectifications_closed": names.count("rectification-verified"),
        "rectifications": names.count("inspection-failed"),
        "problems": names.count("problem-registered"),
        "resolved": names.count("problem-resolved"),
    }


async def test_shuffled_duplicated_supervision_stream(database: Database) -> None:
    events = supervision_year_events(months=4, seed=3)
    messy = events + random.Random(1).sample(events, len(events) // 2)
    random.Random(2).shuffle(messy)
    models = ReadModels(database, "sup")
    projector = Projector(database)
    for i in range(0, len(messy), 250):
        await projector.apply(messy[i : i + 250], models)

    expected = reference(events)
    inspections = [d async for d in models.inspections.find({})]
    rectifications = [d async for d in models.rectifications.find({})]
    figures = supervision_figures(inspections, rectifications, date(2026, 12, 31))
    assert figures["inspections"] == expected["inspections"]
    assert figures["failed"] == expected["failed"]
    assert figures["deductions"] == expected["deductions"]
    assert figures["rectifications_closed"] == expected["rectifications_closed"]
    assert len(rectifications) == expected["rectifications"]
    # Past every deadline, whatever is not closed is overdue.
    assert (
        figures["rectifications_overdue"] == len(rectifications) - figures["rectifications_closed"]
    )
    problems = problem_figures([d async for d in models.problems.find({})])
    assert (problems["total"], problems["resolved"]) == (expected["problems"], expected["resolved"])
