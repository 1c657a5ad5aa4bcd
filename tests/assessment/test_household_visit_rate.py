"""The assessment's visit part counts households where a roster does (issue 16), on the
real broker and database: a township with a stationed-contact roster that counts one
of its villages' households; visits to labelled households in that village and in one
the roster does not count. The first scores the share of its households visited in the
year (a household visited twice counts once, however many visit logs), the second its
visit logs against the yearly target, as before rosters.
"""

from __future__ import annotations

from typing import Any

import pytest

from devstack.infra import Endpoints
from lingban_contracts.divisions import default_tree
from lingban_kit.auth import Role
from lingban_kit.mongo import Database
from tests.auth import auth
from tests.supervision.conftest import running_app

pytestmark = pytest.mark.integration

TOWNSHIP = "340881100000"  # 新渡镇
COUNTED = "340881100201"  # 北塘村: 10 households on the roster
UNCOUNTED = "340881100202"  # 凤岗村: not on the roster's village counts
STAFF = auth(Role.TOWNSHIP_STAFF, TOWNSHIP)
SECRETARY = auth(Role.TOWNSHIP_SECRETARY, TOWNSHIP)
ROSTER = {
    "township_code": TOWNSHIP,
    "year": 2026,
    "assignments": [
        {
            "person_id": "p-wang",
            "name": "王书记",
            "position": "party_secretary",
            "village_code": COUNTED,
            "weekday": 2,
            "valid_from": "2026-01-01",
        }
    ],
    "villages": [{"village_code": COUNTED, "households": 10, "must_visit": {}}],
}


def visit(unit: str, day: str, labels: list[str]) -> dict[str, Any]:
    return {
        "unit_code": unit,
        "visited_on": day,
        "visitor": "驻点干部",
        "visitor_role": "team",
        "households": [{"kind": "ordinary", "label": label} for label in labels],
    }


async def test_visit_part_is_the_household_rate_where_a_roster_counts_households(
    infra: Endpoints, database: Database
) -> None:
    async with running_app(infra, database.name) as sup:
        sup.at(3, 2)
        await sup.call("POST", "/v1/rosters", SECRETARY, ROSTER, 201)
        # Five visit logs to the counted village, four distinct households ("3号" twice, and
        # once spelt with a space): 4 of 10 households, 40 — not 5 of 12 visits.
        for day, labels in (
            ("2026-03-03", ["1号", "2号"]),
            ("2026-03-10", ["3号"]),
            ("2026-03-17", ["3 号"]),
            ("2026-04-07", ["4号"]),
            ("2026-04-14", []),
        ):
            sup.at(int(day[5:7]), int(day[8:]))
            await sup.call("POST", "/v1/visits", STAFF, visit(COUNTED, day, labels), 201)
        # Three visit logs to a village without counts: 3 of the 12 visits a year asks, 25.
        for day in ("2026-03-04", "2026-03-11", "2026-03-18"):
            sup.at(3, int(day[8:]))
            await sup.call("POST", "/v1/visits", STAFF, visit(UNCOUNTED, day, ["1号"]), 201)

        sup.at(12, 1)
        draft = await sup.call("GET", f"/v1/assessments?year=2026&region={TOWNSHIP}", SECRETARY)
        scores = {s["unit_code"]: s for s in draft["scores"]}
        assert scores[COUNTED]["components"]["visits"] == 40.0
        assert scores[UNCOUNTED]["components"]["visits"] == 25.0
        # The township: the mean of its villages' (the others unvisited: 0).
        villages = [u for u in default_tree().children(TOWNSHIP) if u.level == "village"]
        assert scores[TOWNSHIP]["components"]["visits"] == round(65 / len(villages), 2)

        # More counted households on the register lower the rate: 4 of 20.
        sup.at(12, 2)
        roster = await sup.call("GET", f"/v1/rosters/{TOWNSHIP}-2026", SECRETARY)
        await sup.call(
            "PUT",
            f"/v1/rosters/{TOWNSHIP}-2026/villages",
            {**SECRETARY, "If-Match": f'"{roster["version"]}"'},
            {"villages": [{"village_code": COUNTED, "households": 20, "must_visit": {}}]},
        )
        draft = await sup.call("GET", f"/v1/assessments?year=2026&region={COUNTED}", SECRETARY)
        assert draft["scores"][0]["components"]["visits"] == 20.0
