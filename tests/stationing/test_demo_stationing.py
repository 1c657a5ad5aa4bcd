"""The stationing demo loads through the supervision API, and a second run adds nothing."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

import pytest

from devstack import demo_stationing
from lingban_contracts.divisions import default_tree
from lingban_kit.auth import Role
from tests.auth import auth

from .conftest import Stack

pytestmark = pytest.mark.integration


class InProcessApi:
    """The demo's blocking `Api`, answered by the in-process app on the test's loop."""

    def __init__(self, stack: Stack, loop: asyncio.AbstractEventLoop) -> None:
        self.stack, self.loop = stack, loop

    def token(self, role: Role, unit: str, person: str = "") -> str:
        return auth(role, unit)["Authorization"].removeprefix("Bearer ")

    def call(self, method: str, path: str, token: str, body: Any = None) -> Any:
        headers = {"Authorization": f"Bearer {token}"}
        http = self.stack.supervision.http
        request = http.request(method, path, json=body, headers=headers)
        answer = asyncio.run_coroutine_threadsafe(request, self.loop).result(60)
        assert answer.status_code in (200, 201), f"{method} {path}: {answer.text}"
        return answer.json()


async def test_the_demo_loads_once(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    today = date(2026, 3, 20)
    stack.at(3, 20)
    api = InProcessApi(stack, asyncio.get_running_loop())
    tree = default_tree()
    # One of the four townships is enough here (each is loaded the same way).
    [township, *_] = demo_stationing.townships(tree)
    monkeypatch.setattr(demo_stationing, "townships", lambda _tree: [township])
    first = await asyncio.to_thread(demo_stationing.load, api, tree, today)  # type: ignore[arg-type]
    assert first.added > 0
    again = await asyncio.to_thread(demo_stationing.load, api, tree, today)  # type: ignore[arg-type]
    assert again.added == 0
    org = auth(Role.CITY_ORG, "340881000000")
    [figures] = await stack.call(
        "GET", f"/v1/visits/figures?region={township.code}&month=2026-03", org
    )
    assert 0 < figures["visit_rate"] < 1
    assert figures["households_covered"] > 0
    months = await stack.call("GET", f"/v1/rosters/{township.code}-2026/months/2026-03", org)
    mayor = next(m for m in months if m["person_id"] == "mayor")
    assert mayor["residence_met"] is False  # the even township's mayor stays short
    # Three working days every week resided; the mayor one fewer in the first week.
    below = [w["week"] for w in mayor["residence_weeks"] if w["resided"] < w["required"]]
    assert below[0] == "2026-W10"
    secretary_weeks = next(m for m in months if m["person_id"] == "sec")["residence_weeks"]
    assert [(w["week"], w["resided"] >= w["required"]) for w in secretary_weeks[:3]] == [
        ("2026-W10", True),
        ("2026-W11", True),
        ("2026-W12", True),
    ]
    secretary = next(m for m in months if m["person_id"] == "sec")
    assert len(secretary["excused_days"]) == 1


async def test_the_dev_sign_in_township_has_a_roster_loaded_once(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """文昌街道 (the development sign-in's township) keeps a roster too, with a street's
    titles (党工委书记, 办事处主任), after the four others so they keep their variations."""
    today = date(2026, 3, 20)
    stack.at(3, 20)
    api = InProcessApi(stack, asyncio.get_running_loop())
    tree = default_tree()
    *others, wenchang = demo_stationing.townships(tree)
    assert (wenchang.code, wenchang.name) == ("340881001000", "文昌街道")
    assert wenchang not in others
    assert len(others) == 4
    monkeypatch.setattr(demo_stationing, "townships", lambda _tree: [wenchang])
    first = await asyncio.to_thread(demo_stationing.load, api, tree, today)  # type: ignore[arg-type]
    assert first.added > 0
    again = await asyncio.to_thread(demo_stationing.load, api, tree, today)  # type: ignore[arg-type]
    assert again.added == 0
    assert again.found > 0
    org = auth(Role.CITY_ORG, "340881000000")
    [roster] = await stack.call("GET", f"/v1/rosters?year=2026&region={wenchang.code}", org)
    names = {a["person_id"]: a["name"] for a in roster["assignments"]}
    assert (names["sec"], names["mayor"]) == ("文昌街道党工委书记", "文昌街道办事处主任")
    [figures] = await stack.call(
        "GET", f"/v1/visits/figures?region={wenchang.code}&month=2026-03", org
    )
    assert figures["visits"] > 0
