"""The supervision part: per group and month, per township, what is missing is added."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

import pytest

from devstack.demo import YEAR
from devstack.demo_api import DemoError
from devstack.demo_supervision import (
    DIRECT_CHANNELS,
    UNANNOUNCED_DAY,
    group_specs,
    load_supervision,
    missing_direct_problems,
    month_inspections,
    township_month,
)
from lingban_contracts.divisions import Level, default_tree
from tests.devstack.fakes import FakeSupervisionApi

TODAY = date(YEAR, 11, 25)
TREE = default_tree()
VILLAGES = [u.code for u in TREE if u.level is Level.VILLAGE]
POOL = [(f"{i:032x}", VILLAGES[i * 7]) for i in range(20)]


def fake() -> FakeSupervisionApi:
    return FakeSupervisionApi(TREE, POOL)


def load(api: FakeSupervisionApi) -> Any:
    return load_supervision(api, TREE, TODAY, in_execution=len(POOL))


def season(api: FakeSupervisionApi) -> dict[str, Any]:
    """What the demo season left in the service, independent of ids and call order."""
    names = {g["id"]: g["composition"]["name"] for g in api.groups.values()}
    inspected = {i["id"] for i in api.inspections.values() if i["sample_id"]}
    return {
        "groups": sorted(names.values()),
        "inspections": sorted(
            (
                names[i["group_id"]],
                i["planned_on"],
                i["method"],
                i["unit_code"],
                i["status"],
                (i["rectification"] or {}).get("status"),
                len((i["rectification"] or {}).get("submissions", [])),
            )
            for i in api.inspections.values()
        ),
        "disclosed draws": sorted(
            (names[s["group_id"]], s["half_month"], s["disclosed_at"] is not None)
            for s in api.samples.values()
            if any(api.inspections[i]["sample_id"] == s["id"] for i in inspected)
        ),
        "visits": Counter((v["unit_code"], v["month"]) for v in api.visits),
        "problems": sorted((p["id"], p["status"]) for p in api.problems.values()),
    }


@pytest.fixture(scope="module")
def clean() -> dict[str, Any]:
    api = fake()
    load(api)
    return season(api)


def test_a_fresh_load_has_the_whole_season_and_a_rerun_adds_nothing(
    clean: dict[str, Any],
) -> None:
    api = fake()
    first = load(api)
    assert season(api) == clean
    assert len(clean["groups"]) == 6
    assert {i[4] for i in clean["inspections"]} >= {"passed", "failed"}
    assert {i[5] for i in clean["inspections"]} >= {None, "open", "submitted", "closed"}
    assert [d[2] for d in clean["disclosed draws"]] == [True] * len(clean["disclosed draws"])
    assert {status for _, status in clean["problems"]} == {"open", "resolved"}
    writes = len(api.writes())

    again = load(api)

    assert (first.found, again.added) == (0, 0)
    assert again.found > 0
    assert len(api.writes()) == writes
    assert again.summary == "added nothing"


@pytest.mark.parametrize("fail_after", [15, 100, 200, 300, 360])
def test_an_interrupted_season_is_resumed_to_the_same_data(
    clean: dict[str, Any], fail_after: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEVSTACK_DEMO_WORKERS", "3")
    api = fake()
    api.fail_after = fail_after

    with pytest.raises(DemoError) as failed:
        load(api)

    assert str(failed.value).startswith("demo supervision: ")
    api.fail_after = None
    load(api)
    assert season(api) == clean


def test_writes_whose_answers_were_lost_are_checked_not_doubled(clean: dict[str, Any]) -> None:
    api = fake()
    api.lose_answer = lambda method, path: (
        path
        in (
            "/v1/groups",
            "/v1/inspections",
            "/v1/visits",
            "/v1/problems",
        )
        or path.endswith(("/result", "/submission", "/verification", "/disclosure", "/resolution"))
    )

    load(api)

    assert len(api.lost) > 100
    assert season(api) == clean


def test_each_group_inspects_twice_a_month_on_days_apart_from_the_draws() -> None:
    for group in group_specs(TREE):
        for month in (9, 10, 11):
            plans = month_inspections(group, YEAR, month)
            days = {p.planned_on.day for p in plans}
            assert len(days) == 2
            assert UNANNOUNCED_DAY not in days
            assert plans == month_inspections(group, YEAR, month)  # the same on every run


def test_direct_problems_missing_are_found_per_channel_and_month() -> None:
    township = next(u for u in TREE if u.level is Level.TOWNSHIP)
    plans = [township_month(TREE, township, YEAR, m, TODAY) for m in (9, 10, 11)]
    stored = [
        {"facts": {"source": s, "channel": c, "visit_id": None, "inspection_id": None}}
        for (s, c), count in zip(DIRECT_CHANNELS, (3, 2, 1, 0), strict=True)
        for _ in range(count)
    ]
    stored.append(
        {
            "facts": {
                "source": "residents",
                "channel": "visit",
                "visit_id": "v1",
                "inspection_id": None,
            }
        }
    )

    missing = missing_direct_problems(plans, stored)

    assert [(month, body["channel"]) for month, body in missing] == [
        (0, "talk"),
        (1, "inspection"),
        (1, "talk"),
        (2, "forum"),
        (2, "inspection"),
        (2, "talk"),
    ]
