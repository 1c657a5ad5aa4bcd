"""Read-only endpoints the workbench needs: the visit logs of a month (GET /v1/visits),
a region's subtree, the latest first, only inside the reader's jurisdiction; and the
inspection rules (GET /v1/inspections/rules) the inspection form shows."""

from __future__ import annotations

from typing import Any

import pytest

from lingban_kit.auth import Role
from tests.auth import auth

from .builders import (
    CITY,
    OTHER_TOWNSHIP,
    OTHER_VILLAGE,
    TOWNSHIP,
    VILLAGE,
    VILLAGE_2,
    checklist_json,
)
from .conftest import SupervisionApi

pytestmark = pytest.mark.integration

STAFF = auth(Role.TOWNSHIP_STAFF, TOWNSHIP)


def _visit(unit_code: str, visited_on: str, visitor: str) -> dict[str, Any]:
    return {
        "unit_code": unit_code,
        "visited_on": visited_on,
        "visitor": visitor,
        "visitor_role": "team",
        "households": [{"kind": "veteran_party_member"}],
    }


async def test_visits_of_a_month_are_listed_per_region_latest_first(api: SupervisionApi) -> None:
    api.at(3, 20)
    await api.call("POST", "/v1/visits", STAFF, _visit(VILLAGE, "2026-03-05", "甲"), 201)
    await api.call("POST", "/v1/visits", STAFF, _visit(VILLAGE_2, "2026-03-12", "乙"), 201)
    await api.call("POST", "/v1/visits", STAFF, _visit(VILLAGE, "2026-02-27", "丙"), 201)
    other = auth(Role.TOWNSHIP_STAFF, OTHER_TOWNSHIP)
    await api.call("POST", "/v1/visits", other, _visit(OTHER_VILLAGE, "2026-03-06", "丁"), 201)

    march = await api.call("GET", "/v1/visits?month=2026-03", STAFF)
    assert [v["visitor"] for v in march] == ["乙", "甲"]
    assert march[0]["four_must_visits"] == ["veteran_party_member"]
    one_village = await api.call("GET", f"/v1/visits?month=2026-03&region={VILLAGE}", STAFF)
    assert [v["visitor"] for v in one_village] == ["甲"]
    city = await api.call("GET", "/v1/visits?month=2026-03", auth(Role.CITY_ORG, CITY))
    assert {v["visitor"] for v in city} >= {"甲", "乙", "丁"}

    # Another township's visits are outside the staff's jurisdiction.
    answer = await api.http.get(f"/v1/visits?month=2026-03&region={OTHER_TOWNSHIP}", headers=STAFF)
    assert answer.status_code == 403
    answer = await api.http.get("/v1/visits?month=2026-3", headers=STAFF)
    assert answer.status_code == 422


async def test_the_inspection_rules_are_the_settings(api: SupervisionApi) -> None:
    rules = await api.call("GET", "/v1/inspections/rules", auth(Role.SUPERVISOR, CITY))
    assert rules == {
        "full_marks": 100,
        "pass_mark": 60,
        "rectification_days": 15,
        "min_on_site_per_month": 2,
    }
    answer = await api.http.get("/v1/inspections/rules")
    assert answer.status_code == 401


async def test_a_reopened_rectification_is_stored_and_read_back(api: SupervisionApi) -> None:
    """On the real database: its reasons once were a list of lists, which FerretDB refuses."""
    api.at(3, 10)
    city_org, supervisor = auth(Role.CITY_ORG, CITY), auth(Role.SUPERVISOR, CITY)
    village = auth(Role.VILLAGE_SECRETARY, VILLAGE)
    group = {
        "region_code": CITY,
        "year": 2026,
        "name": "市督导组",
        "members": [{"name": "王组长", "department": "组织部", "leader": True}],
        "covered_units": [TOWNSHIP],
    }
    formed = await api.call("POST", "/v1/groups", city_org, group, 201)
    plan = {"group_id": formed["id"], "planned_on": "2026-03-10", "method": "on_site"}
    planned = await api.call(
        "POST", "/v1/inspections", supervisor, plan | {"unit_code": VILLAGE}, 201
    )
    url = f"/v1/inspections/{planned['id']}"
    result = {"inspected_on": "2026-03-10", "checklist": checklist_json(25, 25)}
    await api.call("POST", f"{url}/result", supervisor, result)
    submission = {"measures": ["到岗"], "narrative": "已整改"}
    await api.call("POST", f"{url}/rectification/submission", village, submission)
    reopen = {"decision": "reopen", "reasons": ["台账不全", "照片缺失"], "deadline": "2026-03-25"}
    await api.call("POST", f"{url}/rectification/verification", supervisor, reopen)
    await api.call("POST", f"{url}/rectification/submission", village, submission)
    again = {"decision": "reopen", "reasons": ["仍缺9月记录"], "deadline": "2026-03-30"}
    await api.call("POST", f"{url}/rectification/verification", supervisor, again)

    read = await api.call("GET", url, supervisor)
    assert read["rectification"]["reopen_reasons"] == [["台账不全", "照片缺失"], ["仍缺9月记录"]]
    assert read["rectification"]["status"] == "open"
    assert read["rectification"]["deadline"] == "2026-03-30"
