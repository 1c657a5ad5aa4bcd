"""The division tree (区划管理) in the workbench, at desktop and phone size.

The organisation department finds a unit by searching, registers a village below
龙眠街道 (first seeing the service refuse a code outside the township's range, with
what was typed kept), records its new secretary, and imports the division sheet: a
sheet with a bad row is refused naming that row, and nothing of it is stored; the
fixed sheet is imported; the imported village is merged into the new one (first
seeing that a reason is needed). A township secretary sees only the township's
villages and may only record a new secretary, which the service keeps; the screen
speaks English on request.

The changes stay in 龙眠街道 and a village of 文昌街道 no other test uses: division
events reach every platform reading the shared broker's divisions topic.
"""

from __future__ import annotations

import io
import re
import uuid
from pathlib import Path

import httpx
import pytest
from openpyxl import load_workbook  # type: ignore[import-untyped]
from playwright.async_api import Locator, Page, expect

from lingban_kit.auth import Role
from tests.auth import auth
from tests.web.browser import (
    NANPU,
    WENCHANG,
    WENCHANG_SECRETARY,
    field,
    loaded,
    pick_option,
    sign_in,
    size_of,
    snap,
)
from tests.web.conftest import Workbench

pytestmark = pytest.mark.integration

CITY = "340881000000"  # 桐城市
CITY_ORG = f"city_org@{CITY}"
LONGMIAN = "340881003000"  # 龙眠街道: no demo user works there
LONGTENG_RANGE_CODE = "340881002999"  # inside 龙腾街道's codes, not 龙眠街道's
LONGMIAN_VILLAGE = "340881003001"  # a demo village of 龙眠街道
XIAOPU = "340881001016"  # 小铺社区 in 文昌街道
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def node(page: Page, code: str) -> Locator:
    return page.locator(f'[data-test="unit-{code}"]')


def dialog(page: Page) -> Locator:
    return page.locator(".el-dialog:visible")


async def pick(page: Page, code: str) -> None:
    """Pick a unit in the tree: its card shows (beside the tree, or from below on a phone)."""
    await node(page, code).click()
    await expect(page.locator('[data-test="unit-card-name"]:visible')).to_be_visible()


async def act(page: Page, code: str, action: str) -> None:
    await pick(page, code)
    await page.locator(f'[data-test="action-{action}"]:visible').click()
    await expect(dialog(page)).to_have_count(1)


async def save(page: Page) -> None:
    await page.click('[data-test="unit-save"]')


async def view_shot(page: Page, artefacts: Path, name: str) -> None:
    """What the screen shows now, once dialogs and sheets have come in (they sit on the
    screen, not on the page: a full-page picture would stretch them)."""
    await page.wait_for_function(
        '() => !document.querySelector(\'[class*="-enter-active"], [class*="-leave-active"]\')'
    )
    await page.evaluate("document.querySelectorAll('.el-message').forEach(m => m.remove())")
    await page.screenshot(path=str(artefacts / f"{name}-{size_of(page)}.png"))


async def unit(workbench: Workbench, code: str) -> httpx.Response:
    async with httpx.AsyncClient(base_url=workbench.services["projects"]) as http:
        return await http.get(f"/v1/units/{code}", headers=auth(Role.CITY_ORG, CITY))


async def restore(workbench: Workbench, method: str, path: str, body: dict[str, str]) -> None:
    """Undo a change at the end: the divisions topic is shared with every other test's
    services, which apply its events to their own copies of the demo tree."""
    async with httpx.AsyncClient(base_url=workbench.services["projects"]) as http:
        answer = await http.request(method, path, json=body, headers=auth(Role.CITY_ORG, CITY))
        assert answer.status_code == 200, answer.text


def sheet(template: bytes, rows: list[list[str]]) -> bytes:
    """The downloaded template with these rows below its headers (row 2 on)."""
    book = load_workbook(io.BytesIO(template))
    page = book.worksheets[0]
    for row in rows:
        page.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def upload(page: Page, content: bytes) -> None:
    await page.set_input_files(
        '[data-test="import-file"]',
        files={"name": "区划.xlsx", "mimeType": XLSX, "buffer": content},
    )


async def test_the_organisation_department_shapes_the_tree(
    page: Page, workbench: Workbench, artefacts: Path
) -> None:
    # Each page size registers its own codes (one database for the session).
    base = 900 if size_of(page) == "desktop" else 950
    village, imported = f"340881003{base + 1}", f"340881003{base + 2}"
    name = f"新建社区{uuid.uuid4().hex[:4]}"

    await sign_in(page, workbench, CITY_ORG, "/units")
    await loaded(page)
    await expect(page.locator('[data-test="unit-counts"]')).to_contain_text("乡镇街道 15")
    await expect(node(page, LONGMIAN)).to_contain_text("乡镇街道")
    await snap(page, artefacts, "units-tree")

    # Searching opens the township of the unit found and hides the others.
    await page.fill(field("unit-search"), "南铺")
    await expect(node(page, NANPU)).to_be_visible()
    await expect(node(page, NANPU)).to_contain_text("村社区")
    await expect(node(page, LONGMIAN)).to_be_hidden()
    await page.fill(field("unit-search"), "")
    await expect(node(page, LONGMIAN)).to_be_visible()
    # A unit named in the address opens the way down to it.
    await page.goto(f"{workbench.url}/units?code={NANPU}")
    await loaded(page)
    await expect(node(page, NANPU)).to_be_visible()
    await expect(node(page, XIAOPU)).to_be_visible()  # its township is open

    # A new village below 龙眠街道: a code from another township's range is refused, the
    # form keeps what was typed; with its own code it is registered and shows in the tree.
    await act(page, LONGMIAN, "add")
    await expect(page.locator(field("unit-code"))).to_have_value(re.compile(r"^340881003\d{3}$"))
    await page.fill(field("unit-code"), LONGTENG_RANGE_CODE)
    await page.fill(field("unit-name"), name)
    await page.fill(field("unit-secretary"), "张建国")
    await page.fill(field("unit-reason"), "桐政〔2026〕12号")
    await save(page)
    await expect(page.locator('[data-test="unit-dialog-error"]')).to_contain_text("不在上级单位")
    await expect(page.locator(field("unit-name"))).to_have_value(name)
    await page.fill(field("unit-code"), village)
    await view_shot(page, artefacts, "units-add-dialog")
    await save(page)
    await expect(dialog(page)).to_have_count(0)
    await expect(node(page, village)).to_contain_text(name)
    await expect(node(page, village)).to_contain_text("张建国")
    registered = (await unit(workbench, village)).json()
    assert (registered["parent"], registered["level"], registered["secretary"]) == (
        LONGMIAN,
        "village",
        "张建国",
    )

    # Its new secretary, with the appointment's number.
    await act(page, village, "secretary")
    await expect(dialog(page)).to_contain_text("张建国")  # the secretary now
    await page.fill(field("unit-secretary"), "李明")
    await page.fill(field("unit-reason"), "桐组任〔2026〕3号")
    await view_shot(page, artefacts, "units-secretary-dialog")
    await save(page)
    await expect(dialog(page)).to_have_count(0)
    await expect(node(page, village)).to_contain_text("李明")
    assert (await unit(workbench, village)).json()["secretary"] == "李明"

    # The sheet: a bad third row is named and nothing is imported; fixed, it is.
    async with page.expect_download() as downloading:
        await page.click('[data-test="import-template"]')
    template = (await (await downloading.value).path()).read_bytes()
    good = [imported, "导入社区", "村社区", LONGMIAN, "王五"]
    await upload(page, sheet(template, [good, ["34088100399", "坏行社区", "大队", LONGMIAN, ""]]))
    refused = page.locator('[data-test="refused-row"]')
    await expect(page.locator('[data-test="import-error"]')).to_contain_text("第 3 行有误")
    await expect(refused.filter(has_text="第 3 行 · 层级")).to_contain_text("无法识别")
    await expect(refused.filter(has_text="第 3 行 · 区划代码")).to_be_visible()
    await expect(refused.filter(has_text="第 2 行")).to_have_count(0)
    await snap(page, artefacts, "units-import-refused")
    assert (await unit(workbench, imported)).status_code == 404  # the good row neither

    await upload(page, sheet(template, [good, [village, name, "村社区", LONGMIAN, "李明"]]))
    await expect(page.locator('[data-test="import-done"]')).to_contain_text(
        "已导入 2 行：新增 1 个，更新 0 个，未变 1 个"
    )
    await expect(page.locator('[data-test="import-error"]')).to_have_count(0)
    await expect(node(page, imported)).to_contain_text("导入社区")
    assert (await unit(workbench, imported)).json()["secretary"] == "王五"

    # The imported village merged into the new one: a reason is required, then it leaves
    # the tree and stays known by its code.
    await act(page, imported, "merge")
    await pick_option(page, "unit-into", name)
    await save(page)
    reason = page.locator(".el-form-item", has=page.locator('[data-test="unit-reason"]'))
    await expect(reason.locator(".el-form-item__error")).to_have_text("至少 1 个字")
    await page.fill(field("unit-reason"), "桐政〔2026〕15号 村并村")
    await expect(reason.locator(".el-form-item__error")).to_have_count(0)
    await save(page)
    await expect(dialog(page)).to_have_count(0)
    await expect(node(page, imported)).to_have_count(0)
    merged = (await unit(workbench, imported)).json()
    assert (merged["active"], merged["merged_into"]) == (False, village)
    # The registered village leaves the demo tree again.
    await restore(
        workbench,
        "POST",
        f"/v1/units/{village}/merge",
        {"into": LONGMIAN_VILLAGE, "reason": "测试收尾"},
    )


async def test_a_township_records_a_new_secretary_only(
    page: Page, workbench: Workbench, artefacts: Path
) -> None:
    secretary = f"赵新{size_of(page)[0]}"
    before = (await unit(workbench, XIAOPU)).json()["secretary"]
    await sign_in(page, workbench, WENCHANG_SECRETARY, "/units")
    await loaded(page)
    # The township's own subtree; no registering, no import.
    await expect(node(page, XIAOPU)).to_be_visible()
    await expect(node(page, LONGMIAN)).to_have_count(0)
    await expect(page.locator('[data-test="add-unit"]')).to_have_count(0)
    await expect(page.locator('[data-test="import-units"]')).to_have_count(0)
    await snap(page, artefacts, "units-township")

    await pick(page, XIAOPU)
    actions = page.locator('[data-test^="action-"]:visible')
    await expect(actions).to_have_count(1)
    await expect(actions).to_have_text("新任书记")
    await view_shot(page, artefacts, "units-township-card")
    await actions.click()
    await page.fill(field("unit-secretary"), secretary)
    await page.fill(field("unit-reason"), "文昌街道党工委会议决定")
    await save(page)
    await expect(dialog(page)).to_have_count(0)
    await expect(node(page, XIAOPU)).to_contain_text(secretary)
    assert (await unit(workbench, XIAOPU)).json()["secretary"] == secretary

    # The township itself is the organisation department's to change.
    await pick(page, WENCHANG)
    await expect(page.locator('[data-test="unit-no-actions"]:visible')).to_be_visible()
    await expect(page.locator('[data-test^="action-"]:visible')).to_have_count(0)

    # English is a click away.
    if size_of(page) == "phone":
        await page.keyboard.press("Escape")  # the bottom sheet covers the top bar's button
        await expect(page.locator('[data-test="unit-card-name"]:visible')).to_have_count(0)
    await page.get_by_role("button", name="English").click()
    await expect(page.locator('[data-test="tab-unitsTab"]')).to_have_text("Divisions")
    await expect(node(page, XIAOPU)).to_contain_text("Village/community")
    await page.get_by_role("button", name="中文").click()
    await expect(page.locator('[data-test="tab-unitsTab"]')).to_have_text("区划管理")
    await restore(workbench, "PATCH", f"/v1/units/{XIAOPU}", {"secretary": before})
