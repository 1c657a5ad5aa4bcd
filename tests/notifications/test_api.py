"""Contacts and rules through the API: validation, roles and jurisdiction."""

from __future__ import annotations

from typing import Any

import pytest

from lingban_kit.auth import Role
from tests.auth import auth
from tests.notifications.builders import CITY, TOWNSHIP, VILLAGE, local, subject_doc
from tests.notifications.conftest import NotificationsApi

pytestmark = pytest.mark.integration

ORG = auth(Role.CITY_ORG, CITY)


def contact(**overrides: Any) -> dict[str, Any]:
    return {
        "id": f"secretary:{VILLAGE}",
        "name": "南铺社区书记",
        "kind": "secretary",
        "unit_code": VILLAGE,
        "channels": ["inbox", "email"],
        "email": "nanpu@example.cn",
        "quiet_hours": {"start": "21:00", "end": "08:00"},
        "roles": ["village_secretary"],
        **overrides,
    }


async def test_contacts_are_validated_and_edited_inside_the_jurisdiction(
    notif: NotificationsApi,
) -> None:
    http = notif.http
    township = auth(Role.TOWNSHIP_SECRETARY, TOWNSHIP)
    r = await http.put(f"/v1/contacts/secretary:{VILLAGE}", json=contact(), headers=township)
    assert r.status_code == 200, r.text
    got = await http.get(f"/v1/contacts/secretary:{VILLAGE}", headers=township)
    assert got.json()["quiet_hours"] == {"start": "21:00:00", "end": "08:00:00"}

    # An e-mail channel without an address: 422, in Chinese by default, English on request.
    bad = contact(email=None)
    r = await http.put(f"/v1/contacts/secretary:{VILLAGE}", json=bad, headers=township)
    assert r.status_code == 422
    assert r.json()["error"]["message"].startswith("提交的数据有误")
    assert "email" in str(r.json()["error"]["details"])
    r = await http.put(
        f"/v1/contacts/secretary:{VILLAGE}",
        json=bad,
        headers={**township, "Accept-Language": "en"},
    )
    assert r.json()["error"]["message"].startswith("The submitted data is invalid")

    # A village secretary may not edit; another township may not see or edit.
    village = auth(Role.VILLAGE_SECRETARY, VILLAGE)
    r = await http.put(f"/v1/contacts/secretary:{VILLAGE}", json=contact(), headers=village)
    assert r.status_code == 403
    elsewhere = auth(Role.TOWNSHIP_SECRETARY, "340881002000")
    r = await http.put(f"/v1/contacts/secretary:{VILLAGE}", json=contact(), headers=elsewhere)
    assert r.status_code == 403
    assert "管辖" in r.json()["error"]["message"]
    r = await http.get(f"/v1/contacts/secretary:{VILLAGE}", headers=elsewhere)
    assert r.status_code == 404
    listed = (await http.get("/v1/contacts?kind=secretary", headers=township)).json()
    assert {c["unit_code"][:9] for c in listed} == {TOWNSHIP[:9]}


async def test_rules_can_be_replaced_through_the_api_and_bad_rules_are_refused(
    notif: NotificationsApi,
) -> None:
    http = notif.http
    rules = (await http.get("/v1/rules", headers=ORG)).json()
    warning = next(r for r in rules["rules"] if r["id"] == "stage-deadline-warning")

    broken = {**rules, "rules": [{**warning, "days_before": [0]}]}
    r = await http.put("/v1/rules", json=broken, headers=ORG)
    assert r.status_code == 422
    [problem] = r.json()["error"]["details"]
    assert problem["field"].startswith("rules.0(stage-deadline-warning)")
    assert r.json()["error"]["message"].startswith("提醒规则无效")

    village = auth(Role.VILLAGE_SECRETARY, VILLAGE)
    assert (await http.put("/v1/rules", json=rules, headers=village)).status_code == 403

    # Only a 10-day warning from now on.
    only = {**rules, "rules": [{**warning, "days_before": [10]}]}
    assert (await http.put("/v1/rules", json=only, headers=ORG)).status_code == 200
    await notif.app.state.runtime.db["reminder_subjects"].insert_one(
        subject_doc("p1", months=("2026-04",), weeks=("2026-W16",))
    )
    notif.clock.set(local(2026, 4, 21, 9))
    await notif.tick()
    found = await notif.notifications()
    assert [(n["rule_id"], n["period"]) for n in found] == [
        ("stage-deadline-warning", "2026-04/D-10")
    ]
    reset = await http.delete("/v1/rules", headers=ORG)
    assert len(reset.json()["rules"]) == len(rules["rules"])


async def test_operators_can_tick_now(notif: NotificationsApi) -> None:
    await notif.app.state.runtime.db["reminder_subjects"].insert_one(
        subject_doc("p1", months=("2026-04",), weeks=("2026-W16",))
    )
    notif.clock.set(local(2026, 4, 23, 9))
    village = auth(Role.VILLAGE_SECRETARY, VILLAGE)
    assert (
        await notif.http.post("/v1/operations/scheduler/tick", headers=village)
    ).status_code == 403
    r = await notif.http.post("/v1/operations/scheduler/tick", headers=ORG)
    assert r.status_code == 200
    assert r.json()["created"] > 0
    assert r.json()["dispatched"] > 0


async def test_the_demo_directory_loads_through_the_api_and_maps_tokens_to_inboxes(
    notif: NotificationsApi,
) -> None:
    from lingban_contracts.divisions import default_tree
    from lingban_notifications.directory.demo import demo_directory

    entries = [r.model_dump(mode="json") for r in demo_directory(default_tree())]
    for start in range(0, len(entries), 200):
        r = await notif.http.put("/v1/contacts", json=entries[start : start + 200], headers=ORG)
        assert r.status_code == 200, r.text
    directory = notif.wiring.directory

    async def reads(role: Role, region: str, sub: str | None = None) -> list[str]:
        from lingban_kit.auth import Principal

        principal = Principal(sub or f"{role.value}@{region}", "x", frozenset({role}), region)
        return sorted(await directory.readable_ids(principal))

    assert await reads(Role.TOWNSHIP_SECRETARY, TOWNSHIP) == [f"secretary:{TOWNSHIP}"]
    assert await reads(Role.TOWNSHIP_STAFF, TOWNSHIP) == [f"township-staff:{TOWNSHIP}"]
    assert await reads(Role.VILLAGE_SECRETARY, VILLAGE) == [f"secretary:{VILLAGE}"]
    assert await reads(Role.CITY_ORG, CITY) == [f"secretary:{CITY}"]
    assert await reads(Role.LEADER, CITY, sub="member-department@housing") == [
        "member-department:housing"
    ]
    assert await reads(Role.VILLAGE_SECRETARY, TOWNSHIP) == []
