"""The projects part resumes from what the service holds: missing units, half-done years."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest

from devstack.demo import (
    YEAR,
    demo_today,
    load_projects,
    missing_work,
    next_step,
    plan_year,
    run_daily_checks,
    silent_units,
)
from devstack.demo_api import DemoError
from lingban_contracts.divisions import default_tree
from tests.devstack.fakes import FakeProjectsApi

TODAY = date(YEAR, 11, 25)
TREE = default_tree()
DECLARING = len(TREE) - len(silent_units(TREE))


def loaded(today: date = TODAY) -> FakeProjectsApi:
    api = FakeProjectsApi(TREE, today)
    load_projects(api, TREE, today)
    return api


def year_of(api: FakeProjectsApi) -> dict[str, tuple[Any, ...]]:
    """Per unit: what the demo year left in its project."""
    return {
        p.unit_code: (
            p.status.value,
            p.revision,
            len(p.reviews),
            tuple((st.month, len(st.reports)) for st in p.stages),
            tuple(w.week for w in p.weekly_reports),
            len(p.completion_decisions),
            p.evaluation is not None,
        )
        for p in api.projects.values()
    }


@pytest.fixture(scope="module")
def clean() -> dict[str, tuple[Any, ...]]:
    return year_of(loaded())


def test_a_fresh_load_declares_every_unit_but_the_silent_ones_and_a_rerun_adds_nothing(
    clean: dict[str, tuple[Any, ...]],
) -> None:
    api = FakeProjectsApi(TREE, TODAY)
    first, _ = load_projects(api, TREE, TODAY)
    assert (first.added, first.found) == (DECLARING, 0)
    assert set(clean) == {u.code for u in TREE} - silent_units(TREE)
    assert year_of(api) == clean  # every draw is seeded: the same year every time
    writes = len(api.writes())

    again, _ = load_projects(api, TREE, TODAY)

    assert (again.added, again.found) == (0, DECLARING)
    assert len(api.writes()) == writes


def test_the_demo_year_has_its_variety(clean: dict[str, tuple[Any, ...]]) -> None:
    statuses = {status for status, *_ in clean.values()}
    assert {"draft", "submitted", "in_execution", "completed", "evaluated"} <= statuses
    assert any(revision == 2 for _, revision, *_ in clean.values())  # returned, re-declared


@pytest.mark.parametrize("workers", ["1", "6"])
def test_an_interrupted_load_is_resumed_to_the_same_year_as_an_uninterrupted_one(
    clean: dict[str, tuple[Any, ...]], workers: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEVSTACK_DEMO_WORKERS", workers)
    api = FakeProjectsApi(TREE, TODAY)
    api.fail_after = 1200  # about a third of the load's calls, in the middle of a year

    with pytest.raises(DemoError) as failed:
        load_projects(api, TREE, TODAY)

    message = str(failed.value)
    # Which call is the failing one depends on how the workers interleave.
    assert re.match(r"demo projects: (POST|PUT) /v1/projects", message), message
    assert "-> 500 internal_error: the fake service is down" in message
    assert message.endswith("the rest of the demo is resumed by the next `make up`")
    work, complete, _ = missing_work(TREE, [api.render(p) for p in api.projects.values()], TODAY)
    half_done = [w for w in work if w.project is not None]
    if workers == "1":
        assert len(half_done) == 1  # the year the failing call belongs to
    assert len(work) + len(complete) == DECLARING

    api.fail_after = None
    result, _ = load_projects(api, TREE, TODAY)

    assert result.added == len(work)
    assert f"{len(half_done)} resumed" in result.summary
    assert year_of(api) == clean


def test_a_write_whose_answer_was_lost_is_checked_and_not_sent_twice(
    clean: dict[str, tuple[Any, ...]],
) -> None:
    api = FakeProjectsApi(TREE, TODAY)
    # Sending these again would fail (a second filing, a second report of the same
    # week) or duplicate (a second project for the unit): the loader must look first.
    api.lose_answer = lambda method, path: (
        path == "/v1/projects" or path.endswith(("/filing", "/weekly-reports", "/review"))
    )

    load_projects(api, TREE, TODAY)

    assert len(api.lost) > DECLARING
    assert len(api.projects) == DECLARING
    assert year_of(api) == clean


def test_a_later_run_extends_the_same_plan_without_a_step_the_service_refuses(
    clean: dict[str, tuple[Any, ...]],
) -> None:
    api = loaded(date(YEAR, 6, 15))

    api.today = TODAY
    result, _ = load_projects(api, TREE, TODAY)  # raises DemoError on any refused step

    assert result.added > 0
    later = year_of(api)
    for unit, (status, revision, reviews, stages, weeks, decisions, evaluated) in clean.items():
        # The same decisions and stage reports; the weeks reported in June stay, too.
        assert later[unit][:4] == (status, revision, reviews, stages)
        assert set(weeks) <= set(later[unit][4])
        assert later[unit][5:] == (decisions, evaluated)


def test_a_project_stopped_after_its_return_resumes_at_the_re_declaration() -> None:
    plan = next(
        p
        for u in TREE
        for p in [plan_year(u, int(u.code), TODAY)]
        if any(step.name == "return" for step in p)
    )
    api = FakeProjectsApi(TREE, TODAY)
    project = api.call("POST", "/v1/projects", "unit", plan[0].body)
    for step in plan[1:3]:  # submission, return (by another person: the level above)
        who = "unit" if step.by_unit else "above"
        project = api.call(
            step.method, f"/v1/projects/{project['id']}{step.suffix}", who, step.body
        )

    assert project["status"] == "returned"
    assert plan[next_step(plan, project)].name == "re-declaration"
    assert next_step(plan, None) == 0


def test_the_demo_year_stops_at_its_last_day() -> None:
    unit = next(iter(TREE))
    assert demo_today(date(YEAR + 1, 3, 1)) == date(YEAR, 12, 31)

    def steps(today: date) -> list[tuple[str, Any]]:
        return [(step.name, step.body) for step in plan_year(unit, 1, today)]

    assert steps(date(YEAR + 1, 3, 1)) == steps(date(YEAR, 12, 31))


def test_daily_checks_run_only_when_a_past_month_is_unflagged() -> None:
    api = loaded()
    projects = [api.render(p) for p in api.projects.values()]

    first = run_daily_checks(api, TREE, projects, TODAY)

    assert first.added > 0
    assert api.writes()[-1] == ("POST", "/v1/operations/daily-checks")
    calls = len(api.calls)
    projects = [api.render(p) for p in api.projects.values()]
    second = run_daily_checks(api, TREE, projects, TODAY)
    assert (second.added, second.found) == (0, first.added)
    assert len(api.calls) == calls
