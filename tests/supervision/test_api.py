"""HTTP errors a person can act on: 401, 403 with the reason, 404, 422 with fields, 409."""

from __future__ import annotations

from typing import Any

import pytest

from lingban_kit.auth import Role
from tests.auth import auth

from .builders import CITY, OTHER_VILLAGE, TOWNSHIP, VILLAGE, checklist_json
from .conftest import SupervisionApi

pytestmark = pytest.mark.integration

CITY_ORG = auth(Role.CITY_ORG, CITY)
SUPERVISOR = auth(Role.SUPERVISOR, CITY)
MEMBERS = [{"name": "王组长", "department": "组织部", "leader": True}]


async def _group(api: SupervisionApi) -> dict[str, Any]:
    body = {
        "region_code": CITY,
        "year": 2026,
        "name": "市督导组",
        "members": MEMBERS,
        "covered_units": [TOWNSHIP],
    }
    group: dict[str, Any] = await api.call("POST", "/v1/groups", CITY_ORG, body, 201)
    return group


async def _planned(api: SupervisionApi, group: dict[str, Any], method: str = "on_site") -> Any:
    body = {
        "group_id": group["id"],
        "planned_on": "2026-03-10",
        "method": method,
        "unit_code": VILLAGE,
    }
    return await api.call("POST", "/v1/inspections", SUPERVISOR, body, 201)


async def test_without_a_token_401(api: SupervisionApi) -> None:
    answer = await api.http.get("/v1/groups")
    assert answer.status_code == 401
    assert "登录" in answer.json()["error"]["message"]


async def test_roles_and_jurisdiction_answer_403_with_the_reason(api: SupervisionApi) -> None:
    body = {
        "region_code": CITY,
        "year": 2026,
        "name": "g",
        "members": MEMBERS,
        "covered_units": [TOWNSHIP],
    }
    answer = await api.http.post(
        "/v1/groups", json=body, headers=auth(Role.SUPERVISOR, CITY, lang="en")
    )
    assert answer.status_code == 403
    assert "city_org" in answer.json()["error"]["message"]
    answer = await api.http.post(
        "/v1/groups", json=body, headers=auth(Role.TOWNSHIP_SECRETARY, TOWNSHIP)
    )
    assert answer.status_code == 403
    assert "管辖范围" in answer.json()["error"]["message"]
    visit = {
        "unit_code": VILLAGE,
        "visited_on": "2026-03-01",
        "visitor": "v",
        "visitor_role": "team",
    }
    # Village staff log visits in their own village only (docs/stationing.md).
    answer = await api.http.post(
        "/v1/visits", json=visit, headers=auth(Role.VILLAGE_SECRETARY, "340881100202")
    )
    assert answer.status_code == 403
    assert "管辖范围" in answer.json()["error"]["message"]


async def test_invalid_data_answers_422_with_fields_in_chinese_or_english(
    api: SupervisionApi,
) -> None:
    body = {
        "region_code": TOWNSHIP,
        "year": 2026,
        "name": "镇督导组",
        "members": MEMBERS,
        "covered_units": [OTHER_VILLAGE],
    }
    zh = await api.http.post(
        "/v1/groups", json=body, headers=auth(Role.TOWNSHIP_SECRETARY, TOWNSHIP)
    )
    assert zh.status_code == 422
    assert zh.json()["error"]["details"][0]["field"] == "covered_units.0"
    assert "不在督导组所属区域" in zh.json()["error"]["details"][0]["message"]
    en = await api.http.post(
        "/v1/groups", json=body, headers=auth(Role.TOWNSHIP_SECRETARY, TOWNSHIP, lang="en")
    )
    assert "outside the group's region" in en.json()["error"]["details"][0]["message"]

    group = await _group(api)
    draw = {"group_id": group["id"], "half_month": "2026-03"}
    answer = await api.http.post("/v1/samples", json=draw, headers=SUPERVISOR)
    assert answer.status_code == 422
    assert answer.json()["error"]["details"][0]["field"] == "half_month"

    inspection = await _planned(api, group)
    short = {"inspected_on": "2026-03-10", "checklist": checklist_json()[:3]}
    answer = await api.http.post(
        f"/v1/inspections/{inspection['id']}/result", json=short, headers=SUPERVISOR
    )
    assert answer.status_code == 422
    assert answer.json()["error"]["details"][0]["field"] == "checklist"

    elsewhere = {
        "group_id": group["id"],
        "planned_on": "2026-03-10",
        "method": "on_site",
        "unit_code": "340881001001",  # another township, not covered by the group
    }
    answer = await api.http.post("/v1/inspections", json=elsewhere, headers=SUPERVISOR)
    assert answer.status_code == 422
    assert answer.json()["error"]["details"][0]["field"] == "unit_code"

    unknown_category = {
        "unit_code": VILLAGE,
        "visited_on": "2026-03-01",
        "visitor": "v",
        "visitor_role": "team",
        "opinions": [{"description": "d", "category": "不存在的类别"}],
    }
    answer = await api.http.post(
        "/v1/visits", json=unknown_category, headers=auth(Role.TOWNSHIP_STAFF, TOWNSHIP)
    )
    assert answer.status_code == 422
    assert answer.json()["error"]["details"][0]["field"] == "opinions.0.category"


async def test_unknown_or_hidden_answers_404(api: SupervisionApi) -> None:
    await api.call("GET", "/v1/inspections/nope", SUPERVISOR, expect=404)
    await api.call("GET", "/v1/groups/nope", SUPERVISOR, expect=404)
    group = await _group(api)
    hidden = await _planned(api, group, "unannounced")
    await api.call(
        "GET", f"/v1/inspections/{hidden['id']}", auth(Role.VILLAGE_SECRETARY, VILLAGE), expect=404
    )
    await api.call(
        "GET", f"/v1/groups/{group['id']}", auth(Role.VILLAGE_SECRETARY, OTHER_VILLAGE), expect=200
    )


async def test_steps_out_of_order_and_stale_versions_answer_409(api: SupervisionApi) -> None:
    group = await _group(api)
    inspection = await _planned(api, group)
    url = f"/v1/inspections/{inspection['id']}"
    result = {"inspected_on": "2026-03-10", "checklist": checklist_json(5)}
    stale = await api.http.post(
        f"{url}/result", json=result, headers={**SUPERVISOR, "If-Match": '"7"'}
    )
    assert stale.status_code == 409
    await api.call("POST", f"{url}/result", SUPERVISOR, result)
    again = await api.http.post(f"{url}/result", json=result, headers=SUPERVISOR)
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "invalid_transition"
    assert again.json()["error"]["status"] == "passed"
    no_rectification = await api.http.post(
        f"{url}/rectification/submission",
        json={"measures": ["m"], "narrative": "n"},
        headers=auth(Role.VILLAGE_SECRETARY, VILLAGE),
    )
    assert no_rectification.status_code == 409

    sample = await api.call(
        "POST",
        "/v1/samples",
        SUPERVISOR,
        {"group_id": group["id"], "half_month": "2026-03-H1"},
        201,
    )
    answer = await api.http.post(f"/v1/samples/{sample['id']}/disclosure", headers=SUPERVISOR)
    assert answer.status_code == 409


async def test_the_township_group_sees_its_own_unannounced_plan(api: SupervisionApi) -> None:
    staff = auth(Role.TOWNSHIP_STAFF, TOWNSHIP)
    group = await api.call(
        "POST",
        "/v1/groups",
        auth(Role.TOWNSHIP_SECRETARY, TOWNSHIP),
        {
            "region_code": TOWNSHIP,
            "year": 2026,
            "name": "镇组",
            "members": MEMBERS,
            "covered_units": [VILLAGE],
        },
        201,
    )
    plan = await api.call(
        "POST",
        "/v1/inspections",
        staff,
        {
            "group_id": group["id"],
            "planned_on": "2026-03-10",
            "method": "unannounced",
            "unit_code": VILLAGE,
        },
        201,
    )
    listed = await api.call("GET", f"/v1/inspections?group_id={group['id']}", staff)
    assert [i["id"] for i in listed] == [plan["id"]]
    assert listed[0]["announced"] is False
    village = await api.call("GET", "/v1/inspections", auth(Role.VILLAGE_SECRETARY, VILLAGE))
    assert village == []


async def test_the_township_cannot_close_a_village_rectification_it_submitted(
    api: SupervisionApi,
) -> None:
    """§LB-11: township staff plan, fail, submit and try to verify (销号) a village's rectification."""
    staff = auth(Role.TOWNSHIP_STAFF, TOWNSHIP)
    secretary = auth(Role.TOWNSHIP_SECRETARY, TOWNSHIP)
    group_body = {
        "region_code": TOWNSHIP,
        "year": 2026,
        "name": "镇督导组",
        "members": MEMBERS,
        "covered_units": [VILLAGE, TOWNSHIP],
    }
    own = await api.call("POST", "/v1/groups", secretary, group_body, 422)
    assert [d["field"] for d in own["error"]["details"]] == ["covered_units.1"]
    group = await api.call(
        "POST", "/v1/groups", secretary, {**group_body, "covered_units": [VILLAGE]}, 201
    )
    plan = {"group_id": group["id"], "planned_on": "2026-03-10", "method": "on_site"}
    inspection = await api.call(
        "POST", "/v1/inspections", staff, {**plan, "unit_code": VILLAGE}, 201
    )
    url = f"/v1/inspections/{inspection['id']}"
    result = {"inspected_on": "2026-03-10", "checklist": checklist_json(25, 25)}
    await api.call("POST", f"{url}/result", staff, result)
    submission = {"measures": ["补齐台账"], "narrative": "已整改"}
    await api.call("POST", f"{url}/rectification/submission", staff, submission)
    close = {"decision": "close"}
    refused = await api.call("POST", f"{url}/rectification/verification", staff, close, 403)
    assert "不能核验" in refused["error"]["message"]
    await api.call("POST", f"{url}/rectification/verification", secretary, close, 403)
    closed = await api.call(
        "POST", f"{url}/rectification/verification", auth(Role.SUPERVISOR, TOWNSHIP), close
    )
    assert closed["rectification"]["status"] == "closed"
