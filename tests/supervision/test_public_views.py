"""Leaders and subscribers read aggregates, not people (LB-14): visits without
household labels, notes, files or individual-level opinions; problems without the
details of individual-level ones; groups without member names. Working roles of
the same region still read everything."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from lingban_contracts.events.supervision import (
    HouseholdKind,
    HouseholdVisit,
    VisitedHousehold,
    VisitorRole,
)
from lingban_kit.auth import Role
from lingban_supervision.visits.domain import Visit
from tests.auth import auth

from .builders import ACTOR, CITY, NOW, TOWNSHIP, VILLAGE
from .conftest import SupervisionApi

pytestmark = pytest.mark.integration

STAFF = auth(Role.TOWNSHIP_STAFF, TOWNSHIP)
READ_ONLY = {
    "leader": auth(Role.LEADER, TOWNSHIP),
    "subscriber": auth(Role.SUBSCRIBER, CITY),
}
HOUSE = "北塘村3组17号"
PERSONAL = "张某某家中老人无人照料"


def _visit() -> dict[str, Any]:
    return {
        "unit_code": VILLAGE,
        "visited_on": "2026-03-05",
        "visitor": "李镇长",
        "visitor_role": "leader",
        "households": [
            {"kind": "petitioner", "label": HOUSE},
            {"kind": "lifted_out_of_poverty", "label": "北塘村5组2号"},
        ],
        "opinions": [
            {"description": PERSONAL, "category": "民生服务", "level": "individual"},
            {"description": "村道路灯不亮", "category": "人居环境"},
        ],
        "notes": "信访户情绪稳定",
    }


@pytest.mark.parametrize("role", sorted(READ_ONLY))
async def test_read_only_roles_get_visits_without_households_or_personal_details(
    api: SupervisionApi, role: str
) -> None:
    reader = READ_ONLY[role]
    api.at(3, 20)
    visit = await api.call("POST", "/v1/visits", STAFF, _visit(), 201)
    full = await api.call("GET", f"/v1/visits/{visit['id']}", STAFF)
    assert full["withheld"] is False
    assert [h["label"] for h in full["households"]] == [HOUSE, "北塘村5组2号"]
    assert full["opinions"][0]["description"] == PERSONAL

    seen = await api.call("GET", f"/v1/visits/{visit['id']}", reader)
    listed = await api.call("GET", f"/v1/visits?month=2026-03&region={TOWNSHIP}", reader)
    for public in (seen, next(v for v in listed if v["id"] == visit["id"])):
        assert public["withheld"] is True
        assert public["households"] == [
            {"kind": "petitioner", "label": None},
            {"kind": "lifted_out_of_poverty", "label": None},
        ]
        assert public["four_must_visits"] == full["four_must_visits"]
        assert public["notes"] is None
        assert public["attachments"] == []
        assert [o["description"] for o in public["opinions"]] == [None, "村道路灯不亮"]
        assert HOUSE not in str(public)
        assert PERSONAL not in str(public)


@pytest.mark.parametrize("role", sorted(READ_ONLY))
async def test_read_only_roles_get_problems_without_individual_details(
    api: SupervisionApi, role: str
) -> None:
    reader = READ_ONLY[role]
    problem: dict[str, Any] = {
        "unit_code": VILLAGE,
        "year": 2026,
        "source": "residents",
        "channel": "talk",
        "category": "民生服务",
        "level": "individual",
        "description": PERSONAL,
        "measures": ["联系张某某子女"],
    }
    individual = await api.call("POST", "/v1/problems", STAFF, problem, 201)
    organisation = await api.call(
        "POST",
        "/v1/problems",
        STAFF,
        {**problem, "level": "organisation", "description": "议事会议记录不全"},
        201,
    )
    seen = await api.call("GET", f"/v1/problems/{individual['id']}", reader)
    assert seen["withheld"] is True
    assert seen["facts"]["description"] is None
    assert seen["measures"] == []
    assert seen["attachments"] == []
    assert seen["facts"]["category"] == "民生服务"
    assert seen["status"] == "open"
    listed = await api.call("GET", f"/v1/problems?region={VILLAGE}", reader)
    by_id = {p["id"]: p for p in listed}
    assert by_id[individual["id"]]["facts"]["description"] is None
    assert by_id[organisation["id"]]["facts"]["description"] == "议事会议记录不全"
    assert PERSONAL not in str(listed)
    # The unit side still reads it whole.
    whole = await api.call("GET", f"/v1/problems/{individual['id']}", STAFF)
    assert whole["facts"]["description"] == PERSONAL
    assert whole["withheld"] is False


@pytest.mark.parametrize("role", sorted(READ_ONLY))
async def test_read_only_roles_get_groups_without_member_names(
    api: SupervisionApi, role: str
) -> None:
    reader = READ_ONLY[role]
    group = await api.call(
        "POST",
        "/v1/groups",
        auth(Role.CITY_ORG, CITY),
        {
            "region_code": CITY,
            "year": 2026,
            "name": "市第一督导组",
            "members": [
                {"name": "王督导", "department": "组织部", "leader": True},
                {"name": "赵督导", "department": "纪委监委"},
            ],
            "covered_units": [TOWNSHIP],
        },
        201,
    )
    for seen in (
        await api.call("GET", f"/v1/groups/{group['id']}", reader),
        next(g for g in await api.call("GET", "/v1/groups", reader) if g["id"] == group["id"]),
    ):
        assert seen["withheld"] is True
        assert seen["composition"]["members"] == []
        assert seen["member_count"] == 2
        assert seen["departments"] == ["组织部", "纪委监委"]
        assert "王督导" not in str(seen)
    whole = await api.call("GET", f"/v1/groups/{group['id']}", STAFF)
    assert [m["name"] for m in whole["composition"]["members"]] == ["王督导", "赵督导"]


def test_the_public_visit_event_names_no_household() -> None:
    visit = Visit.log(
        unit_code=VILLAGE,
        township_code=TOWNSHIP,
        visited_on=date(2026, 3, 5),
        visitor="李镇长",
        visitor_role=VisitorRole.LEADER,
        team=[],
        households=[HouseholdVisit(kind=HouseholdKind.PETITIONER, label=HOUSE)],
        opinions=[],
        notes=None,
        actor=ACTOR,
        now=NOW,
    )
    [event] = visit.pending_events
    # No roster for the township: no pseudonymous ref either (docs/stationing.md).
    assert event.data["households"] == [{"kind": "petitioner", "ref": None}]
    assert HOUSE not in json.dumps(event.data, ensure_ascii=False, default=str)
    # The log keeps the label for the working roles.
    assert visit.households[0].label == HOUSE


def test_visit_events_recorded_with_labels_still_decode_without_them() -> None:
    old = {"kind": "petitioner", "label": HOUSE}
    assert VisitedHousehold.model_validate(old).model_dump() == {"kind": "petitioner", "ref": None}
