"""The bulk preload on the real database: each project is written once, at its target
state, with every event of its year pending in its outbox in version order, readable
by the projects service, and a second run adds nothing."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from bench.load_bulk import HeldApi, bulk_preload
from bench.load_preload import RANK, target_of
from bench.load_world import (
    PRELOAD_MARK,
    VILLAGES,
    ApiError,
    declaration,
    read_projects,
    unit_side,
)
from lingban_contracts.events import projects as ev
from lingban_contracts.registry import event_type
from lingban_kit import mongo
from lingban_kit.outbox import OUTBOX_FIELD, PENDING_FLAG
from lingban_projects.projects.domain import Status
from lingban_projects.projects.repository import from_document

pytestmark = pytest.mark.integration

YEAR, STAGES = 2019, 3


async def test_each_project_is_written_once_with_the_events_of_its_year(
    database: mongo.Database,
) -> None:
    done = await bulk_preload(database, year=YEAR, target=40, stages=STAGES, seed=7, writers=4)

    assert (done.declared, done.errors) == (40, 0)
    docs = [d async for d in database["projects"].find({"year": YEAR})]
    assert len(docs) == 40
    # Every target state but the rare ones shows up in 40 draws; the in-execution ones too.
    assert Counter(target_of(d["_id"]) for d in docs)["in_execution"] >= 25
    for doc in docs:
        target = target_of(doc["_id"])
        project = from_document(doc)  # the service reads what the bulk path wrote
        assert project.status is Status(target)
        events = doc[OUTBOX_FIELD]
        assert doc[PENDING_FLAG] is True
        # One event per version, in order, all of this aggregate: what the relay publishes.
        assert [e["aggregate_version"] for e in events] == list(range(1, project.version + 1))
        assert {e["aggregate_id"] for e in events} == {doc["_id"]}
        assert [e["type"] for e in events] == [h.event_type for h in project.history]
        if target == Status.IN_EXECUTION:
            # Every stage month reported, the last one still in progress (as the API preload).
            assert [s.month for s in project.stages] == [f"{YEAR}-{m:02d}" for m in (10, 11, 12)]
            assert all(s.reports for s in project.stages)
            types = Counter(e["type"] for e in events)
            assert types[event_type(ev.ProjectExecutionStarted)] == 1
            assert types[event_type(ev.StageReported)] == STAGES
            # All months done but the last (`load_preload.next_step`): each struck off.
            assert types[event_type(ev.StageCompleted)] == STAGES - 1
        if RANK[target] >= RANK["approved"]:
            approved = event_type(ev.ProjectApproved)
            assert [e["type"] for e in events].count(approved) == 1

    again = await bulk_preload(database, year=YEAR, target=40, stages=STAGES, seed=7)
    assert (again.existing, again.declared) == (40, 0)
    assert len(await read_projects(database, YEAR)) == 40


async def test_a_refused_use_case_answers_as_the_api_would() -> None:
    api = HeldApi.new()
    village, other = VILLAGES[0], VILLAGES[-1]
    form = declaration(village, YEAR, STAGES, random.Random(1), PRELOAD_MARK)
    declared = await api.call("projects", "POST", "/v1/projects", unit_side(village), form)
    submission = f"/v1/projects/{declared['id']}/submission"
    # Another village's secretary: outside the jurisdiction looks like missing.
    with pytest.raises(ApiError) as refused:
        await api.call("projects", "POST", submission, unit_side(other))
    assert refused.value.status == 404
    submitted = await api.call("projects", "POST", submission, unit_side(village))
    assert (declared["version"], submitted["version"]) == (1, 2)
    assert submitted["status"] == Status.SUBMITTED.value
