"""Year-end assessment demo data (考核, 表扬/约谈, 典型案例库) for `make up`, through the
supervision API.

The city organisation department sets the demo year's scheme (the default weights,
10 % of the party-building assessment; praise for 优秀, 约谈 for 一般 and below by the
project rating only, as the reports word it, so units whose project is not evaluated
yet stay off both lists). Once supervision knows the rating of every evaluated demo
project, it gives the best-scored village a 加分 with its reason and finalizes the
assessment, then records the 约谈 of the first unit on the list. With no evaluated
project the assessment stays a draft. Two model cases are nominated and published:
the best-rated evaluated project (一项目一品牌), or failing that a 示范村, and the
best-scored township as a 样板镇.

Resumable, compared with what the service holds: the scheme once set, the
adjustment by its reason, finalizing by the status, the talk by the talks held,
a case by its title. A rerun adds nothing.

Entry points: `load(api, tree, today, projects)` (blocking, as `demo.seed` calls its
parts) or `await load_assessment(api, tree, today, projects)` (in a worker thread),
with an `Api` on the supervision service (part "assessment") and the projects the
demo loaded (the projects API's documents, as `demo.load_projects` returns them).
Run it after the supervision part: the scores read its inspections and visits.
"""

from __future__ import annotations

import asyncio
import time
from datetime import date
from typing import Any

from devstack.demo import YEAR, PartResult, demo_today
from devstack.demo_api import Api
from lingban_contracts.divisions import DivisionTree, Level, Unit
from lingban_kit.auth import Role
from lingban_kit.quotes import inner, quoted

SCHEME: dict[str, Any] = {
    "year": YEAR,
    "weights": {
        "project": 40,
        "inspections": 20,
        "deductions": 15,
        "rectification": 15,
        "visits": 10,
    },
    "party_building_share": 10,
    "praise": {"ratings": ["excellent"], "top_per_level": 0, "min_score": None},
    "talk": {"ratings": ["average", "poor"], "below_score": None},
}
BONUS_REASON = "获评市级“五星”党组织，按考核方案加分"
RATING_ORDER = ("excellent", "good", "average", "poor")
# How long to wait for supervision to learn the evaluated projects' ratings.
RATINGS_WAIT_SECONDS = 120.0


def _evaluated(projects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found = [p for p in projects if p.get("status") == "evaluated" and p.get("evaluation")]
    # The best rating first; among equals the one its evaluators marked 一项目一典型.
    return sorted(
        found,
        key=lambda p: (
            RATING_ORDER.index(p["evaluation"]["rating"]),
            not p["evaluation"].get("model_case"),
            -float(p["evaluation"]["total"]),
            p["id"],
        ),
    )


def _title(project: dict[str, Any]) -> str:
    """The projects API has it in the declaration."""
    return str(project.get("title") or project["declaration"]["title"])


def _view(api: Api, org: str, city: Unit) -> dict[str, Any]:
    view: dict[str, Any] = api.call("GET", f"/v1/assessments?year={YEAR}&region={city.code}", org)
    return view


def _wait_for_ratings(api: Api, org: str, city: Unit, units: set[str]) -> dict[str, Any]:
    """The draft once every evaluated unit shows its rating (supervision consumes them)."""
    deadline = time.monotonic() + RATINGS_WAIT_SECONDS
    while True:
        view = _view(api, org, city)
        rated = {s["unit_code"] for s in view["scores"] if s["rating"]}
        if units <= rated or view["status"] == "finalized" or time.monotonic() > deadline:
            return view
        time.sleep(1.0)


def _talker(api: Api, tree: DivisionTree, unit_code: str, org: str) -> str:
    """The township's secretary talks to its village; the city to a township."""
    unit = tree.get(unit_code)
    township = tree.township_of(unit_code)
    if unit is not None and unit.level is Level.VILLAGE and township is not None:
        return api.token(Role.TOWNSHIP_SECRETARY, township.code)
    return org


def _cases(
    tree: DivisionTree, evaluated: list[dict[str, Any]], view: dict[str, Any]
) -> list[dict[str, Any]]:
    scores = sorted(view["scores"], key=lambda s: (s["rank"], s["unit_code"]))
    villages = [s["unit_code"] for s in scores if s["level"] == "village"]
    townships = [s["unit_code"] for s in scores if s["level"] == "township"]
    cases: list[dict[str, Any]] = []
    if evaluated:
        best = evaluated[0]
        unit = tree.get(best["unit_code"])
        name = unit.name if unit else best["unit_code"]
        title = quoted(_title(best))
        cases.append(
            {
                "kind": "project",
                "unit_code": best["unit_code"],
                "project_id": best["id"],
                "year": YEAR,
                "title": f"{name}{title}",
                "summary": f"{name}书记领办{title}，年底评价"
                f"{best['evaluation']['total']}分，形成可复制推广的经验做法。",
            }
        )
    elif villages:
        unit = tree.get(villages[0])
        name = unit.name if unit else villages[0]
        cases.append(
            {
                "kind": "model_village",
                "unit_code": villages[0],
                "year": YEAR,
                "title": f"{name}党建引领基层治理示范村",
                "summary": f"{name}以书记领办项目为抓手，议事协商常态化，群众满意度持续提升。",
            }
        )
    if townships:
        unit = tree.get(townships[0])
        name = unit.name if unit else townships[0]
        cases.append(
            {
                "kind": "model_township",
                "unit_code": townships[0],
                "year": YEAR,
                "title": f"{name}党建引领基层治理样板镇",
                "summary": f"{name}统筹推进书记领办项目，一月一调度、半月一督导，"
                "项目申报领办全覆盖。",
            }
        )
    return cases


def _load(api: Api, tree: DivisionTree, today: date, projects: list[dict[str, Any]]) -> PartResult:
    started = time.monotonic()
    added = found = 0
    city = next(u for u in tree if u.level is Level.CITY)
    org = api.token(Role.CITY_ORG, city.code)
    day = demo_today(today)

    scheme = api.call("GET", f"/v1/assessments/scheme?year={YEAR}&region={city.code}", org)
    if scheme["defaults"] and scheme["status"] == "draft":
        api.call("PUT", "/v1/assessments/scheme", org, {**SCHEME, "region_code": city.code})
        added += 1
    else:
        found += 1

    evaluated = _evaluated(projects)
    view = _wait_for_ratings(api, org, city, {p["unit_code"] for p in evaluated})
    rated = [s for s in view["scores"] if s["rating"]]
    if view["status"] == "draft" and rated:
        if not any(a["reason"] == BONUS_REASON for a in view["adjustments"]):
            best = min(
                (s for s in rated if s["level"] == "village"),
                key=lambda s: (s["rank"], s["unit_code"]),
                default=rated[0],
            )
            bonus = {
                "year": YEAR,
                "unit_code": best["unit_code"],
                "points": 2,
                "reason": BONUS_REASON,
            }
            api.call("POST", "/v1/assessments/adjustments", org, bonus)
            added += 1
        api.call(
            "POST", "/v1/assessments/finalization", org, {"region_code": city.code, "year": YEAR}
        )
        added += 1
        view = _view(api, org, city)
    elif view["status"] == "finalized":
        found += 1

    if view["status"] == "finalized" and view["talks"]:
        if view["talks_held"]:
            found += 1
        else:
            first = view["talks"][0]["unit_code"]
            unit = tree.get(first)
            talk = {
                "year": YEAR,
                "unit_code": first,
                "held_on": day.isoformat(),
                "held_by": "市委组织部分管副部长"
                if unit is None or unit.level is not Level.VILLAGE
                else "乡镇党委书记",
                "attendees": [f"{unit.name if unit else first}党组织书记"],
                "notes": "通报考核情况，指出项目推进中的问题，提出限期整改要求。",
            }
            api.call("POST", "/v1/assessments/talks", _talker(api, tree, first, org), talk)
            added += 1

    # Keyed by the title with every quote single: a stack loaded before the titles'
    # nested quotes were made single (`“矛盾纠纷“三调联动””`) holds the same case.
    existing = {
        inner(c["title"]): c
        for c in api.call("GET", f"/v1/model-cases?year={YEAR}&region={city.code}", org)
    }
    for case in _cases(tree, evaluated, view):
        current = existing.get(inner(case["title"]))
        if current is None:
            current = api.call("POST", "/v1/model-cases", org, case)
            added += 1
        else:
            found += 1
        if current["status"] == "nominated":
            api.call("POST", f"/v1/model-cases/{current['id']}/publication", org)
            added += 1

    summary = (
        f"assessment {view['status']} ({len(rated)} rated unit(s), "
        f"{len(view['praise'])} praised, {len(view['talks'])} 约谈); "
        f"{added} steps added, {found} found"
    )
    return PartResult("assessment", added, found, time.monotonic() - started, summary)


def load(api: Api, tree: DivisionTree, today: date, projects: list[dict[str, Any]]) -> PartResult:
    """The same, blocking (for `demo.seed`, which runs its parts one after the other)."""
    return _load(api, tree, today, projects)


async def load_assessment(
    api: Api, tree: DivisionTree, today: date, projects: list[dict[str, Any]]
) -> PartResult:
    """Load the assessment steps and model cases that are missing (see the module docstring)."""
    return await asyncio.to_thread(_load, api, tree, today, projects)
