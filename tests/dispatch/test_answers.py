"""The dispatch answers carry each aggregate's whole state, plus what they derive from it."""

from __future__ import annotations

import dataclasses

import pytest
from pydantic import BaseModel

from lingban_supervision.aggregate import Aggregate
from lingban_supervision.dispatch.domain import Meeting, Task
from lingban_supervision.dispatch.schemas import MeetingOut, TaskOut


@pytest.mark.parametrize(
    ("aggregate", "out", "derived"),
    [
        # `withheld`: set by the public view of leaders and subscribers (LB-14).
        (Meeting, MeetingOut, {"level_zh", "attending_units", "withheld"}),
        (Task, TaskOut, {"status_zh", "overdue", "withheld"}),
    ],
)
def test_an_aggregate_answers_its_whole_state(
    aggregate: type[Aggregate], out: type[BaseModel], derived: set[str]
) -> None:
    """A field added to an aggregate must be added to its answer (or listed here on purpose)."""
    state = {f.name for f in dataclasses.fields(aggregate)} - {"pending_events", "correlation_id"}
    assert set(out.model_fields) == state | derived
