"""The contact directory API as an attacker would use it: takeover of another
region's contacts (LB-01), webhook URLs that reach inside (LB-06/LB-07) and
who may read addresses and secrets (LB-08)."""

from __future__ import annotations

from typing import Any

import pytest

from lingban_contracts.divisions import default_tree
from lingban_kit.auth import Principal, Role
from lingban_notifications.directory.demo import demo_directory
from lingban_notifications.directory.domain import Recipient
from tests.auth import auth
from tests.notifications.builders import CITY, TOWNSHIP, VILLAGE
from tests.notifications.conftest import NotificationsApi

pytestmark = pytest.mark.integration

OTHER_TOWNSHIP = "340881002000"
OTHER_SECRETARY = f"secretary:{OTHER_TOWNSHIP}"
ROOT_ORG = auth(Role.CITY_ORG, CITY)
STAFF_A = auth(Role.TOWNSHIP_STAFF, TOWNSHIP)
ROBOT = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=robot-key"


def secretary(unit_code: str = VILLAGE, **overrides: Any) -> dict[str, Any]:
    return {
        "id": f"secretary:{unit_code}",
        "name": "书记",
        "kind": "secretary",
        "unit_code": unit_code,
        "roles": ["village_secretary"],
        **overrides,
    }


async def store_other_township(notif: NotificationsApi) -> Recipient:
    """Tenant B's contacts, as the demo loader stores them."""
    entries = [r for r in demo_directory(default_tree()) if r.unit_code == OTHER_TOWNSHIP]
    await notif.wiring.directory.put(entries)
    found = await notif.wiring.directory.get(OTHER_SECRETARY)
    assert found is not None
    return found


async def test_a_township_cannot_take_over_another_regions_contact(
    notif: NotificationsApi,
) -> None:
    before = await store_other_township(notif)
    http = notif.http
    hijack = {
        **secretary(OTHER_TOWNSHIP, user_ids=["township_staff@340881001000"], roles=[]),
        "unit_code": VILLAGE,
    }
    # The review's request: B's secretary moved into A's village, read by A's staff.
    r = await http.put(f"/v1/contacts/{OTHER_SECRETARY}", json=hijack, headers=STAFF_A)
    assert r.status_code == 422, r.text
    assert "secretary:340881001001" in r.json()["error"]["message"]
    r = await http.put("/v1/contacts", json=[hijack], headers=STAFF_A)
    assert r.status_code == 422, r.text

    # A contact whose id does not carry its unit: the stored unit decides.
    group = Recipient.model_validate(
        {
            "id": "supervision-group:b1",
            "name": "B 督导组",
            "kind": "supervision_group",
            "unit_code": OTHER_TOWNSHIP,
        }
    )
    await notif.wiring.directory.put([group])
    moved = {**group.model_dump(mode="json"), "unit_code": VILLAGE, "email": "a@evil.example"}
    r = await http.put("/v1/contacts/supervision-group:b1", json=moved, headers=STAFF_A)
    assert r.status_code == 403, r.text
    assert OTHER_TOWNSHIP in r.json()["error"]["message"]
    r = await http.put("/v1/contacts", json=[moved], headers=STAFF_A)
    assert r.status_code == 403, r.text

    assert await notif.wiring.directory.get(OTHER_SECRETARY) == before
    assert await notif.wiring.directory.get("supervision-group:b1") == group
    # Tenant B's secretary's inbox stays B's.
    staff = Principal(
        "township_staff@340881001000", "x", frozenset({Role.TOWNSHIP_STAFF}), TOWNSHIP
    )
    assert await notif.wiring.directory.readable_ids(staff) == [f"township-staff:{TOWNSHIP}"]


async def test_ids_are_bound_to_their_unit_and_kind(notif: NotificationsApi) -> None:
    http = notif.http
    wrong_kind = secretary(kind="task_force")
    r = await http.put(f"/v1/contacts/secretary:{VILLAGE}", json=wrong_kind, headers=ROOT_ORG)
    assert r.status_code == 422
    r = await http.put(
        "/v1/contacts/task-force:340881001002",
        json={**secretary(), "id": "task-force:340881001002", "kind": "task_force", "roles": []},
        headers=ROOT_ORG,
    )
    assert r.status_code == 422
    assert "task-force:340881001001" in r.json()["error"]["message"]
    unknown = secretary("340881999999")
    r = await http.put("/v1/contacts/secretary:340881999999", json=unknown, headers=ROOT_ORG)
    assert r.status_code == 422
    assert "340881999999" in r.json()["error"]["message"]


async def test_only_the_root_organisation_department_grants_inbox_access(
    notif: NotificationsApi,
) -> None:
    http = notif.http
    path = f"/v1/contacts/secretary:{VILLAGE}"
    # Editing addresses with the stored readers unchanged is the township's job.
    r = await http.put(path, json=secretary(email="new@example.cn"), headers=STAFF_A)
    assert r.status_code == 200, r.text
    changes: list[dict[str, Any]] = [
        {"user_ids": ["township_staff@340881001000"]},
        {"roles": ["township_staff"]},
    ]
    for change in changes:
        r = await http.put(path, json={**secretary(), **change}, headers=STAFF_A)
        assert r.status_code == 403, r.text
        assert "组织部" in r.json()["error"]["message"]
    township_org = auth(Role.CITY_ORG, TOWNSHIP)
    r = await http.put(path, json=secretary(user_ids=["x"]), headers=township_org)
    assert r.status_code == 403
    r = await http.put(path, json=secretary(user_ids=["someone@city"]), headers=ROOT_ORG)
    assert r.status_code == 200, r.text

    # Member departments get every city-wide card: root only, even inside one's township.
    department = {
        "id": "member-department:township-shadow",
        "name": "影子部门",
        "kind": "member_department",
        "unit_code": TOWNSHIP,
    }
    r = await http.put(f"/v1/contacts/{department['id']}", json=department, headers=STAFF_A)
    assert r.status_code == 403
    operator = {**department, "id": "operator:x", "kind": "operator"}
    r = await http.put("/v1/contacts", json=[operator], headers=STAFF_A)
    assert r.status_code == 403
    r = await http.put(f"/v1/contacts/{department['id']}", json=department, headers=ROOT_ORG)
    assert r.status_code == 200, r.text


async def test_the_bulk_list_is_capped(notif: NotificationsApi) -> None:
    entries = [r.model_dump(mode="json") for r in demo_directory(default_tree())][:201]
    r = await notif.http.put("/v1/contacts", json=entries, headers=ROOT_ORG)
    assert r.status_code == 422
    r = await notif.http.put("/v1/contacts", json=entries[:200], headers=ROOT_ORG)
    assert r.status_code == 200, r.text


@pytest.mark.parametrize(
    "url",
    [
        "https://a:b",  # httpx.InvalidURL at send time
        "http://[::1",
        "https://robot.example.cn:99999/hook",
        "http://qyapi.weixin.qq.com/cgi-bin/webhook/send",  # https only
        "https://169.254.169.254/latest/meta-data",  # cloud metadata
        "https://10.0.0.8/hook",
        "https://prometheus:9090/-/quit",  # not an allowed robot host
        "https://user:pw@qyapi.weixin.qq.com/x",
    ],
)
async def test_webhook_urls_that_cannot_or_must_not_be_reached_are_refused(
    notif: NotificationsApi, url: str
) -> None:
    body = secretary(channels=["inbox", "webhook"], webhook={"url": url})
    r = await notif.http.put(f"/v1/contacts/secretary:{VILLAGE}", json=body, headers=STAFF_A)
    assert r.status_code == 422, r.text
    assert "webhook" in r.text


async def test_contacts_are_read_by_editors_only_and_secrets_never_leave(
    notif: NotificationsApi,
) -> None:
    http = notif.http
    hook = {"url": ROBOT, "flavor": "dingtalk", "secret": "hmac-secret"}
    body = secretary(channels=["inbox", "webhook"], webhook=hook)
    path = f"/v1/contacts/secretary:{VILLAGE}"
    r = await http.put(path, json=body, headers=STAFF_A)
    assert r.status_code == 200, r.text
    assert "hmac-secret" not in r.text

    for reader in (
        auth(Role.SUBSCRIBER, CITY),
        auth(Role.LEADER, CITY),
        auth(Role.VILLAGE_SECRETARY, VILLAGE),
        auth(Role.SUPERVISOR, CITY),
    ):
        assert (await http.get("/v1/contacts", headers=reader)).status_code == 403
        assert (await http.get(path, headers=reader)).status_code == 403

    got = (await http.get(path, headers=STAFF_A)).json()
    assert got["webhook"] == {"url": ROBOT, "flavor": "dingtalk", "secret_set": True}
    listed = (await http.get("/v1/contacts?kind=secretary", headers=ROOT_ORG)).text
    assert "hmac-secret" not in listed

    # Sending the shown webhook back (no secret) keeps the stored secret ...
    back = {**got, "webhook": {"url": ROBOT, "flavor": "dingtalk"}, "phone": "13800000000"}
    assert (await http.put(path, json=back, headers=STAFF_A)).status_code == 200
    stored = await notif.wiring.directory.get(f"secretary:{VILLAGE}")
    assert stored is not None
    assert stored.webhook is not None
    assert stored.webhook.secret == "hmac-secret"
    assert stored.phone == "13800000000"
    # ... but not for another robot.
    other = {**back, "webhook": {"url": ROBOT + "-2", "flavor": "dingtalk"}}
    assert (await http.put(path, json=other, headers=STAFF_A)).status_code == 200
    stored = await notif.wiring.directory.get(f"secretary:{VILLAGE}")
    assert stored is not None
    assert stored.webhook is not None
    assert stored.webhook.secret is None
