"""The issue's acceptance scenario for stationed contact (驻点联系): one township's March
through the HTTP APIs of supervision and reporting on the real broker and database.

roster (三个固定, village counts) → a change during the month (recorded, not overwritten) →
monthly plans → stationed days with one leave (请假) → residence days (≥ 3 a month and
≥ 3 working days every week, seed 004's rule; the mayor short of both) → visits to households including the four must-visits (四必访), one by
village staff → the visit rate by households, not by villages → the events on Kafka →
reporting's figures per township and for the secretaries and mayors apart.
"""

from __future__ import annotations

from typing import Any

import pytest

from devstack.infra import Endpoints
from lingban_contracts import decode_record
from lingban_contracts.topics import SUPERVISION
from lingban_kit.auth import Role
from lingban_kit.testing import collect, end_offsets
from tests.auth import auth

from .conftest import Stack

pytestmark = pytest.mark.integration

CITY = "340881000000"
TOWNSHIP = "340881100000"  # 新渡镇, 15 villages and communities
V1 = "340881100201"  # 北塘村
V2 = "340881100202"  # 凤岗村
OTHER_TOWNSHIP = "340881101000"  # 双港镇
SECRETARY = auth(Role.TOWNSHIP_SECRETARY, TOWNSHIP)
STAFF = auth(Role.TOWNSHIP_STAFF, TOWNSHIP)
VILLAGE_STAFF = auth(Role.VILLAGE_SECRETARY, V1)
OTHER = auth(Role.TOWNSHIP_SECRETARY, OTHER_TOWNSHIP)
ORG = auth(Role.CITY_ORG, CITY)
LEADER = auth(Role.LEADER, CITY)

ROSTER = {
    "township_code": TOWNSHIP,
    "year": 2026,
    "assignments": [
        {
            "person_id": "p-wang",
            "name": "王书记",
            "position": "party_secretary",
            "village_code": V1,
            "weekday": 2,  # every Tuesday (每周二驻点日)
            "valid_from": "2026-01-01",
            "contact_id": "stationed:p-wang",
        },
        {
            "person_id": "p-li",
            "name": "李镇长",
            "position": "mayor",
            "village_code": V2,
            "weekday": 2,
            "valid_from": "2026-01-01",
        },
        {
            "person_id": "p-zhang",
            "name": "张队员",
            "position": "team_member",
            "village_code": V1,
            "weekday": 2,
            "valid_from": "2026-01-01",
        },
    ],
    "villages": [
        {
            "village_code": V1,
            "households": 10,
            "must_visit": {
                "veteran_party_member": 2,
                "lifted_out_of_poverty": 2,
                "petitioner": 1,
                "in_difficulty": 1,
            },
        },
        {"village_code": V2, "households": 8, "must_visit": {"in_difficulty": 2}},
    ],
}


def visit(
    unit: str, day: int, households: list[tuple[str, str]], person: str | None, role: str = "leader"
) -> dict[str, Any]:
    return {
        "unit_code": unit,
        "visited_on": f"2026-03-{day:02d}",
        "visitor": "驻点干部",
        "visitor_role": role,
        "households": [{"kind": kind, "label": label} for label, kind in households],
        "person_id": person,
    }


def must_visit(figures: dict[str, Any]) -> dict[str, tuple[int, int]]:
    return {m["kind"]: (m["households"], m["covered"]) for m in figures["must_visit"]}


async def test_a_stationed_month(stack: Stack, infra: Endpoints) -> None:
    since = await end_offsets(infra.kafka_bootstrap_servers, SUPERVISION.name)
    call = stack.call
    visit_ids: list[str] = []

    async def log(headers: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
        logged: dict[str, Any] = await call("POST", "/v1/visits", headers, body, 201)
        visit_ids.append(logged["id"])
        return logged

    # The roster: one per township and year; the township keeps it, a village cannot.
    stack.at(3, 1)
    roster = await call("POST", "/v1/rosters", SECRETARY, ROSTER, 201)
    rid = roster["id"]
    assert rid == f"{TOWNSHIP}-2026"
    again = await call("POST", "/v1/rosters", STAFF, ROSTER, 409)
    assert again["error"]["roster_id"] == rid
    await call("POST", "/v1/rosters", VILLAGE_STAFF, ROSTER, 403)
    await call("GET", f"/v1/rosters/{rid}", OTHER, expect=404)
    listed = await call("GET", f"/v1/rosters?year=2026&region={V1}", VILLAGE_STAFF)
    assert [r["id"] for r in listed] == [rid]  # a village reads who is stationed with it

    # From the 16th the mayor's stationed day moves to Thursday: the old line is ended,
    # not overwritten.
    changed = await call(
        "POST",
        f"/v1/rosters/{rid}/changes",
        {**SECRETARY, "If-Match": '"1"'},
        {
            "kind": "reassigned",
            "person_id": "p-li",
            "effective_from": "2026-03-16",
            "weekday": 4,
            "reason": "镇长分管工作调整",
        },
    )
    mayor = [a for a in changed["assignments"] if a["person_id"] == "p-li"]
    assert [(a["weekday"], a["valid_from"], a["valid_until"]) for a in mayor] == [
        (2, "2026-01-01", "2026-03-15"),
        (4, "2026-03-16", None),
    ]
    assert changed["changes"][0]["kind"] == "reassigned"
    stale = await call(
        "PUT",
        f"/v1/rosters/{rid}/villages",
        {**SECRETARY, "If-Match": '"1"'},
        {"villages": []},
        409,
    )
    assert stale["error"]["code"] == "conflict"

    # Monthly plans (每月初制订走访任务).
    base = f"/v1/rosters/{rid}/people"
    tuesdays = [3, 10, 17, 24, 31]
    plan = {
        "items": [
            {"day": f"2026-03-{d:02d}", "area": "北塘一组", "kinds": ["veteran_party_member"]}
            for d in tuesdays
        ]
    }
    planned = await call("PUT", f"{base}/p-wang/months/2026-03/plan", STAFF, plan)
    assert planned["planned_days"] == [f"2026-03-{d:02d}" for d in tuesdays]
    await call("PUT", f"{base}/p-wang/months/2026-03/plan", OTHER, plan, 404)

    # Visits through the month (the day's clock: no visit logged ahead of time).
    stack.at(3, 3)
    first = await log(
        SECRETARY,
        visit(
            V1,
            3,
            [("1号", "veteran_party_member"), ("2号", "petitioner"), ("3号", "ordinary")],
            "p-wang",
        ),
    )
    assert first["person_id"] == "p-wang"
    assert first["position"] == "party_secretary"
    await log(STAFF, visit(V2, 3, [("一组5号", "in_difficulty"), ("一组6号", "ordinary")], "p-li"))
    # The mayor is not stationed in 北塘村.
    wrong = await call("POST", "/v1/visits", STAFF, visit(V1, 3, [], "p-li"), 422)
    assert wrong["error"]["details"][0]["field"] == "person_id"
    await call(
        "POST",
        f"{base}/p-li/months/2026-03/residence",
        STAFF,
        {"days": ["2026-03-03"]},
    )
    stack.at(3, 10)
    # 1号 again (counts once), written differently; 4号 lifted out of poverty.
    again_1 = [("1 号", "veteran_party_member"), ("4号", "lifted_out_of_poverty")]
    await log(SECRETARY, visit(V1, 10, again_1, "p-wang"))
    # A leave excuses the stationed Tuesday 17th (请假).
    stack.at(3, 16)
    leave = await call(
        "POST",
        f"{base}/p-wang/months/2026-03/leave",
        SECRETARY,
        {"first_day": "2026-03-17", "last_day": "2026-03-18", "reason": "参加市委全会"},
    )
    assert leave["excused_days"] == ["2026-03-17"]
    # Village staff log visits in their own village, as themselves.
    stack.at(3, 20)
    await log(VILLAGE_STAFF, visit(V1, 20, [("7号", "ordinary")], None, role="village_staff"))
    await call("POST", "/v1/visits", VILLAGE_STAFF, visit(V2, 20, [], None, "village_staff"), 403)
    posing = await call("POST", "/v1/visits", VILLAGE_STAFF, visit(V1, 20, [], None), 422)
    assert posing["error"]["details"][0]["field"] == "visitor_role"
    stack.at(3, 24)
    await log(SECRETARY, visit(V1, 24, [("5号", "ordinary")], "p-wang"))
    stack.at(3, 31)
    await log(SECRETARY, visit(V1, 31, [("6号", "in_difficulty")], "p-wang"))
    future = await call(
        "POST", f"{base}/p-wang/months/2026-03/residence", SECRETARY, {"days": ["2026-04-01"]}, 422
    )
    assert "2026-03" in future["error"]["details"][0]["message"]
    # 王书记 resides three working days every week; the week of his leave asks one (3 of
    # its 5 working days left), the month's last two days (a week cut by the month) one.
    resided = [2, 3, 4, 9, 10, 11, 19, 23, 24, 25, 31]
    await call(
        "POST",
        f"{base}/p-wang/months/2026-03/residence",
        SECRETARY,
        {"days": [f"2026-03-{d:02d}" for d in resided]},
    )

    # The month of everyone on the roster: the residence rule flags the mayor.
    months = {
        m["person_id"]: m for m in await call("GET", f"/v1/rosters/{rid}/months/2026-03", LEADER)
    }
    assert months["p-wang"]["residence_met"] is True
    assert months["p-wang"]["excused_days"] == ["2026-03-17"]
    assert months["p-wang"]["min_residence_working_days_per_week"] == 3
    assert [
        (w["week"], w["required"], w["resided"]) for w in months["p-wang"]["residence_weeks"]
    ] == [
        ("2026-W10", 3, 3),
        ("2026-W11", 3, 3),
        ("2026-W12", 1, 1),
        ("2026-W13", 3, 3),
        ("2026-W14", 1, 1),
    ]
    assert months["p-li"]["residence_met"] is False
    li_weeks = months["p-li"]["residence_weeks"]
    assert [w["week"] for w in li_weeks if w["resided"] < w["required"]] == [
        w["week"] for w in li_weeks
    ]
    assert months["p-li"]["stationed_days"] == [
        "2026-03-03",
        "2026-03-10",
        "2026-03-19",
        "2026-03-26",
    ]
    assert months["p-zhang"]["version"] == 0  # nothing recorded, still listed

    # The visit rate: households covered, not "a village with a visit is 100 %".
    [figures] = await call("GET", f"/v1/visits/figures?region={TOWNSHIP}&month=2026-03", SECRETARY)
    assert figures["units"] == 15
    assert figures["units_visited"] == 2
    assert figures["village_visit_rate"] == round(2 / 15, 4)  # the former visit rate
    assert (figures["households"], figures["households_covered"]) == (18, 9)
    assert figures["visit_rate"] == 0.5
    assert figures["households_visited"] == 10  # 1号 visited twice
    assert must_visit(figures) == {
        "veteran_party_member": (2, 1),
        "lifted_out_of_poverty": (2, 1),
        "petitioner": (1, 1),
        "in_difficulty": (3, 2),
    }

    # On Kafka: the roster's and the months' events; households by pseudonymous ref only.
    records = await collect(
        infra.kafka_bootstrap_servers,
        SUPERVISION.name,
        since,
        match=lambda r: (
            r.key is not None and (r.key.decode().startswith(rid) or r.key.decode() in visit_ids)
        ),
        until=lambda f: len(f) >= 2 + 4 + 6,
    )
    events = [decode_record(r.headers, r.value) for r in records]
    names = [e.type.split(".")[2] for e in events]
    assert names.count("roster-created") == 1
    assert names.count("roster-changed") == 1
    assert names.count("visit-plan-set") == 1
    assert names.count("leave-recorded") == 1
    assert names.count("residence-recorded") == 2
    logged = [e for e in events if e.type.endswith("visit-logged.v1")]
    assert len(logged) == 6
    wang = sorted(
        (e for e in logged if e.data["person_id"] == "p-wang"), key=lambda e: e.data["visited_on"]
    )
    assert wang[0].data["households"][0]["ref"] == wang[1].data["households"][0]["ref"]
    assert "号" not in str([e.data["households"] for e in logged])
    assert {e.data["position"] for e in wang} == {"party_secretary"}

    # Reporting: per township, and the secretaries and mayors apart.
    url = f"/v1/stationing/figures?region={CITY}&month=2026-03"

    seen: list[Any] = []

    async def caught_up() -> bool:
        body = await stack.report(url, ORG)
        row = next(t for t in body["townships"] if t["township_code"] == TOWNSHIP)
        seen[:] = [row["all"], [t["township_code"] for t in body["townships"] if t["has_roster"]]]
        return bool(
            row["all"]["visits"] == 6
            and row["all"]["leaves"] == 1
            and row["all"]["residence_days"] == 12
            and row["has_roster"]
            and len([a for a in body["townships"] if a["has_roster"]]) == 1
        )

    try:
        await stack.eventually(caught_up, "reporting to fold the month")
    except AssertionError as exc:
        raise AssertionError(f"{exc}; last seen: {seen}") from None
    body = await stack.report(url, ORG)
    row = next(t for t in body["townships"] if t["township_code"] == TOWNSHIP)
    assert (row["villages"], row["villages_stationed"]) == (15, 2)
    assert row["roster_coverage"] == round(2 / 15, 4)
    everyone = row["all"]
    assert (everyone["households"], everyone["households_covered"]) == (18, 9)
    assert everyone["visit_rate"] == 0.5
    assert must_visit(everyone)["in_difficulty"] == (3, 2)
    # The rule binds township leaders: the mayor is flagged, the team member is not.
    assert everyone["residence_flagged"] == ["李镇长"]
    secretaries, mayors = body["secretaries"], body["mayors"]
    assert (
        secretaries["visits"],
        secretaries["households"],
        secretaries["households_covered"],
    ) == (
        4,
        10,
        6,
    )
    assert secretaries["visit_rate"] == 0.6
    assert (secretaries["stationed_days"], secretaries["excused_days"]) == (5, 1)
    assert (secretaries["kept_days"], secretaries["missed_days"]) == (4, 0)
    assert (secretaries["leaves"], secretaries["residence_flagged"]) == (1, [])
    assert (mayors["visits"], mayors["households"], mayors["households_covered"]) == (1, 8, 2)
    assert mayors["visit_rate"] == 0.25
    assert (mayors["stationed_days"], mayors["kept_days"], mayors["missed_days"]) == (4, 1, 3)
    assert mayors["residence_flagged"] == ["李镇长"]
    # The weeks below the weekly minimum (all ended): the mayor's five, none of the secretary's.
    assert (mayors["residence_weeks_below"], secretaries["residence_weeks_below"]) == (5, 0)
    assert everyone["residence_weeks_below"] == 5

    # Leaders read the figures without names.
    public = await stack.report(url, LEADER)
    assert public["withheld"] is True
    assert public["mayors"]["residence_flagged"] == []
    assert public["mayors"]["residence_flagged_count"] == 1
