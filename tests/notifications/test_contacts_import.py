"""Importing the contact directory from Excel: row-by-row checks, all or nothing."""

from __future__ import annotations

import base64
import io
import os
from datetime import time
from typing import Any

import openpyxl  # type: ignore[import-untyped]
import pytest

from lingban_kit.auth import Role
from lingban_notifications.directory.sheet import COLUMNS
from tests.auth import auth
from tests.notifications.builders import CITY, TOWNSHIP, VILLAGE
from tests.notifications.conftest import NotificationsApi

pytestmark = pytest.mark.integration

OTHER_TOWNSHIP = "340881002000"
ROOT_ORG = auth(Role.CITY_ORG, CITY)
STAFF_A = auth(Role.TOWNSHIP_STAFF, TOWNSHIP)
HEADERS = [c.header for c in COLUMNS]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook(rows: list[dict[str, Any]], filler_bytes: int = 0) -> bytes:
    """A sheet with the template's headers; `filler_bytes` of incompressible text elsewhere."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "联系人"
    sheet.append(HEADERS)
    for row in rows:
        sheet.append([row.get(h) for h in HEADERS])
    if filler_bytes:
        notes = book.create_sheet("附件")
        for _ in range(filler_bytes // 30_000 + 1):
            notes.append([base64.b64encode(os.urandom(22_000)).decode()])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def upload(api: NotificationsApi, content: bytes, headers: dict[str, str]) -> Any:
    files = {"file": ("联系人.xlsx", content, XLSX)}
    return await api.http.post("/v1/contacts/import", files=files, headers=headers)


async def contact(api: NotificationsApi, contact_id: str) -> Any:
    return await api.http.get(f"/v1/contacts/{contact_id}", headers=ROOT_ORG)


def group(slug: str, **cells: Any) -> dict[str, Any]:
    return {
        "联系人编号": f"supervision-group:{slug}",
        "名称": f"文昌街道督导组{slug}",
        "类型": "督导组",
        "单位代码": TOWNSHIP,
        **cells,
    }


async def test_the_template_is_the_empty_sheet_with_headers(notif: NotificationsApi) -> None:
    response = await notif.http.get("/v1/contacts/import-template", headers=STAFF_A)
    assert response.status_code == 200
    assert response.headers["content-type"] == XLSX
    assert "filename*=UTF-8''" in response.headers["content-disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = book["联系人"]
    assert [c.value for c in sheet[1]] == HEADERS
    assert sheet.max_row == 1
    assert sheet.freeze_panes == "A2"
    assert "填写说明" in book.sheetnames
    village = auth(Role.VILLAGE_SECRETARY, VILLAGE)
    refused = await notif.http.get("/v1/contacts/import-template", headers=village)
    assert refused.status_code == 403


async def test_a_good_sheet_creates_and_replaces_contacts(notif: NotificationsApi) -> None:
    rows = [
        {
            # No id: a secretary's is derived from the unit; the code typed as a number.
            "名称": "南铺社区书记王五",
            "类型": "书记",
            "单位代码": int(VILLAGE),
            "接收渠道": "站内信、邮件",
            "邮箱": "wang@example.cn",
            "免打扰开始": time(22, 0),
            "免打扰结束": "07:30",
            "读取角色": "village_secretary",  # as stored: a township may keep it
        },
        {},  # a blank row is skipped
        group("wc1", 接收渠道="短信", 手机=13800000001),
    ]
    response = await upload(notif, workbook(rows), STAFF_A)
    assert response.status_code == 200, response.text
    assert response.json() == {"rows": 2, "created": 1, "replaced": 1}

    secretary = (await contact(notif, f"secretary:{VILLAGE}")).json()
    assert secretary["name"] == "南铺社区书记王五"
    assert secretary["channels"] == ["inbox", "email"]
    assert secretary["email"] == "wang@example.cn"
    assert secretary["quiet_hours"] == {"start": "22:00:00", "end": "07:30:00"}
    assert secretary["roles"] == ["village_secretary"]
    created = (await contact(notif, "supervision-group:wc1")).json()
    assert (created["kind"], created["unit_code"]) == ("supervision_group", TOWNSHIP)
    assert (created["channels"], created["phone"]) == (["sms"], "13800000001")


async def test_one_bad_row_imports_nothing_and_is_named(notif: NotificationsApi) -> None:
    before = (await contact(notif, f"secretary:{VILLAGE}")).json()
    rows = [
        group("ok1"),
        {**group("ok2"), "名称": "改名"},
        group("bad", 接收渠道="短信", 手机="12ab"),  # row 4
    ]
    response = await upload(notif, workbook(rows), STAFF_A)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["imported"] == 0
    assert "第 4 行" in error["message"]
    assert [(r["row"], r["column"]) for r in error["refused"]] == [(4, "手机")]
    assert error["details"][0]["field"] == "第4行·手机"
    for slug in ("ok1", "ok2", "bad"):
        assert (await contact(notif, f"supervision-group:{slug}")).status_code == 404
    assert (await contact(notif, f"secretary:{VILLAGE}")).json() == before


async def test_every_refused_row_is_reported_with_its_column(notif: NotificationsApi) -> None:
    rows = [
        group("fine"),  # row 2
        {"名称": "双港镇书记", "类型": "书记", "单位代码": OTHER_TOWNSHIP},  # another township
        {**group("kind"), "类型": "书计"},  # not a kind
        group("fine", 名称="重复"),  # the same id again
        {**group("unit"), "单位代码": "340881999999"},  # no such unit
        {
            "联系人编号": f"task-force:{VILLAGE}",
            "名称": "专班",
            "类型": "书记",
            "单位代码": VILLAGE,
        },
        {**group("mail"), "接收渠道": "邮件"},  # e-mail chosen, no address
        {"名称": "运维", "联系人编号": "operator:x", "类型": "运维", "单位代码": TOWNSHIP},
    ]
    response = await upload(notif, workbook(rows), STAFF_A)
    assert response.status_code == 422, response.text
    refused = {r["row"]: r for r in response.json()["error"]["refused"]}
    assert {row: r["column"] for row, r in refused.items()} == {
        3: "单位代码",
        4: "类型",
        5: "联系人编号",
        6: "单位代码",
        7: "联系人编号",
        8: "接收渠道",
        9: "类型",
    }
    assert "管辖范围" in refused[3]["message"]
    assert "书计" in refused[4]["message"]
    assert "第 2 行重复" in refused[5]["message"]
    assert "组织部" in refused[9]["message"]
    assert (await contact(notif, "supervision-group:fine")).status_code == 404

    english = await notif.http.post(
        "/v1/contacts/import",
        files={"file": ("c.xlsx", workbook(rows), XLSX)},
        headers={**STAFF_A, "Accept-Language": "en"},
    )
    assert "nothing was imported" in english.json()["error"]["message"]


async def test_what_is_not_a_sheet_is_refused(notif: NotificationsApi) -> None:
    response = await upload(notif, b"MZ\x90\x00 not a workbook", STAFF_A)
    assert response.status_code == 422
    assert "xlsx" in response.json()["error"]["message"]
    headless = openpyxl.Workbook()
    headless.active.append(["姓名", "电话"])
    out = io.BytesIO()
    headless.save(out)
    response = await upload(notif, out.getvalue(), STAFF_A)
    assert response.status_code == 422
    assert "类型" in response.json()["error"]["message"]
    village = auth(Role.VILLAGE_SECRETARY, VILLAGE)
    assert (await upload(notif, workbook([group("v")]), village)).status_code == 403


async def test_the_import_takes_files_over_the_usual_body_limit_up_to_its_own(
    notif: NotificationsApi,
) -> None:
    big = workbook([group("big")], filler_bytes=600_000)
    assert len(big) > notif.settings.max_request_body_bytes
    response = await upload(notif, big, STAFF_A)
    assert response.status_code == 200, response.text
    too_big = await upload(notif, os.urandom(6 * 1024 * 1024), STAFF_A)
    assert too_big.status_code == 413
    # Every other route keeps the usual limit.
    other = await notif.http.put(
        "/v1/contacts", content=b"[" + b" " * 300_000 + b"]", headers=STAFF_A
    )
    assert other.status_code == 413
