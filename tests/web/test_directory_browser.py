"""The reminder contacts and rules in the workbench, at desktop and phone size.

A township secretary lists the contacts of the township (filtered by unit and kind,
phones as the service returns them, the robot's secret never shown), edits the task
force's robot — first seeing the service refuse a robot host next to the field, with
what was typed kept — and saves it without retyping the write-only secret, which the
service keeps. The rules are read-only for them. The organisation department at the
root changes a rule: an empty title and an unknown placeholder come back from the
service next to that title and on that rule, nothing typed is lost, the fixed rule is
saved, and "恢复默认规则" goes back to the file's rules.
"""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Page, expect

from lingban_kit.auth import Role
from tests.auth import auth
from tests.web.browser import (
    NANPU,
    WENCHANG,
    WENCHANG_SECRETARY,
    confirm,
    field,
    loaded,
    pick_option,
    sign_in,
    snap,
)
from tests.web.conftest import Workbench

pytestmark = pytest.mark.integration

CITY = "340881000000"  # 桐城市, the root of the demo division tree
CITY_ORG = f"city_org@{CITY}"
ROBOT = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=robot-key-1"
SECRET = "robot-signing-secret-xyz"
CONTACTS = [
    {
        "id": f"secretary:{NANPU}",
        "name": "南铺社区书记",
        "kind": "secretary",
        "unit_code": NANPU,
        "channels": ["inbox", "email", "sms"],
        "email": "nanpu@example.cn",
        "phone": "13800001234",
        "roles": ["village_secretary"],
    },
    {
        "id": f"task-force:{WENCHANG}",
        "name": "文昌街道工作专班",
        "kind": "task_force",
        "unit_code": WENCHANG,
        "channels": ["inbox", "webhook"],
        "webhook": {"url": ROBOT, "flavor": "wecom", "secret": SECRET},
    },
    {
        "id": f"township-staff:{WENCHANG}",
        "name": "文昌街道工作人员",
        "kind": "township_staff",
        "unit_code": WENCHANG,
        "channels": ["inbox"],
        "roles": ["township_staff"],
    },
]


@pytest.fixture
async def contacts(workbench: Workbench) -> None:
    """The contacts as the tests expect them (each run puts them back)."""
    async with httpx.AsyncClient(base_url=workbench.services["notifications"]) as http:
        stored = await http.put("/v1/contacts", json=CONTACTS, headers=auth(Role.CITY_ORG, CITY))
        assert stored.status_code == 200, stored.text


async def test_a_township_lists_and_edits_its_contacts(
    page: Page, workbench: Workbench, artefacts: Path, contacts: None
) -> None:
    await sign_in(page, workbench, WENCHANG_SECRETARY, "/contacts")
    await loaded(page)
    rows = page.locator('[data-test="contact-row"]')
    await expect(rows.filter(has_text="南铺社区书记")).to_have_count(1)
    await expect(rows.filter(has_text="文昌街道工作专班")).to_have_count(1)
    # Phones as the service returns them; of the robot only whether a secret is set.
    await expect(page.locator('[data-test="contact-phone"]', has_text="13800001234")).to_have_count(
        1
    )
    await expect(page.get_by_text("已设置签名密钥").first).to_be_visible()
    assert SECRET not in await page.content()
    await snap(page, artefacts, "contacts-list")

    await pick_option(page, "kind-filter", "工作专班")
    await expect(rows.filter(has_text="南铺社区书记")).to_have_count(0)
    await expect(rows.filter(has_text="文昌街道工作专班")).to_have_count(1)
    await pick_option(page, "unit-filter", "南铺社区")
    await expect(rows).to_have_count(0)
    await page.goto(f"{workbench.url}/contacts?unit={NANPU}")
    await expect(rows.filter(has_text="南铺社区书记")).to_have_count(1)
    await expect(rows.filter(has_text="文昌街道工作专班")).to_have_count(0)

    # The import sheet: its template comes down, and sent back empty it is refused, saying so.
    async with page.expect_download() as downloading:
        await page.click('[data-test="import-template"]')
    sheet = await (await downloading.value).path()
    assert sheet.read_bytes().startswith(b"PK")  # an .xlsx (a zip)
    await page.set_input_files('[data-test="import-file"]', sheet)
    await expect(page.locator('[data-test="import-error"]')).to_contain_text("表格中没有联系人")

    # The task force's robot: the secret field is empty, saying one is set.
    await page.goto(f"{workbench.url}/contacts/{'task-force:' + WENCHANG}")
    await loaded(page)
    await expect(page.locator(field("contact-name"))).to_have_value("文昌街道工作专班")
    secret = page.locator(field("contact-webhook-secret"))
    await expect(secret).to_have_value("")
    await expect(secret).to_have_attribute("placeholder", "已设置；留空则保持不变")
    await snap(page, artefacts, "contact-edit")

    # A robot host that is not allowed: the service's message next to the address.
    await page.fill(field("contact-name"), "文昌街道项目工作专班")
    await page.fill(field("contact-webhook-url"), "https://robots.example.org/hook")
    await page.click('[data-test="save-contact"]')
    url_item = page.locator(".el-form-item", has=page.locator('[data-test="contact-webhook-url"]'))
    await expect(url_item.locator(".el-form-item__error")).to_contain_text(
        "webhook 只能指向以下机器人服务"
    )
    await expect(page.locator(field("contact-name"))).to_have_value("文昌街道项目工作专班")
    # Changing the address takes the message away; the allowed robot saves.
    await page.fill(field("contact-webhook-url"), ROBOT)
    await expect(url_item.locator(".el-form-item__error")).to_have_count(0)
    await page.click('[data-test="save-contact"]')
    await expect(page).to_have_url(re.compile(r"/contacts\?unit="))
    await expect(rows.filter(has_text="文昌街道项目工作专班")).to_have_count(1)

    # The secret was not typed again and the service kept it.
    async with httpx.AsyncClient(base_url=workbench.services["notifications"]) as http:
        found = await http.get(
            f"/v1/contacts/task-force:{WENCHANG}", headers=auth(Role.CITY_ORG, CITY)
        )
    assert found.json()["name"] == "文昌街道项目工作专班"
    assert found.json()["webhook"]["secret_set"] is True

    # The rules: read-only below the root.
    await page.click('[data-test="tab-rulesTab"]')
    await loaded(page)
    await expect(page.locator('[data-test="rules-read-only"]')).to_be_visible()
    await expect(page.locator('[data-test="rules-edit"]')).to_have_count(0)
    await expect(page.locator('[data-test="rule-weekly-report-reminder"]')).to_be_visible()


async def test_the_organisation_department_changes_and_resets_the_rules(
    page: Page, workbench: Workbench, artefacts: Path
) -> None:
    await sign_in(page, workbench, CITY_ORG, "/reminder-rules")
    await loaded(page)
    weekly = page.locator('[data-test="rule-weekly-report-reminder"]')
    original = "请于本周提交 {week} 周报：{project_title}"
    await expect(weekly).to_contain_text(original)
    await snap(page, artefacts, "reminder-rules")

    await page.click('[data-test="rules-edit"]')
    await page.click('[data-test="rule-open-weekly-report-reminder"]')
    await page.click('[data-test="rule-open-review-waiting"]')
    title = page.locator(field("rule-title-zh-weekly-report-reminder"))
    await expect(title).to_have_value(original)
    await title.fill("")
    review = page.locator(field("rule-title-zh-review-waiting"))
    await review.fill("待研判：{project_title} 已等待 {days_waiting} 天 {nonsense}")
    await page.locator('[data-test="rules-save"]').click()
    # Each message where it belongs: by the empty title, and on the rule with the placeholder.
    title_item = page.locator(".el-form-item", has=title)
    await expect(title_item.locator(".el-form-item__error")).to_contain_text("至少 1 个字")
    review_rule = page.locator('[data-test="rule-review-waiting"]')
    await expect(review_rule.locator('[data-test="rule-error"]')).to_contain_text("nonsense")
    await expect(review).to_have_value(
        "待研判：{project_title} 已等待 {days_waiting} 天 {nonsense}"
    )
    await snap(page, artefacts, "reminder-rules-edit")

    changed = "本周周报请按时提交：{project_title}（{week}）"
    await title.fill(changed)
    await expect(title_item.locator(".el-form-item__error")).to_have_count(0)
    await review.fill("待研判：{project_title} 已等待 {days_waiting} 天")
    await expect(review_rule.locator('[data-test="rule-error"]')).to_have_count(0)
    await page.locator('[data-test="rules-save"]').click()
    await expect(page.get_by_text("提醒规则已保存")).to_be_visible()
    await expect(weekly).to_contain_text(changed)
    async with httpx.AsyncClient(base_url=workbench.services["notifications"]) as http:
        rules = (await http.get("/v1/rules", headers=auth(Role.CITY_ORG, CITY))).json()
    saved = next(r for r in rules["rules"] if r["id"] == "weekly-report-reminder")
    assert saved["template"]["zh"]["title"] == changed

    await page.click('[data-test="rules-reset"]')
    await confirm(page)
    await expect(page.get_by_text("已恢复默认规则")).to_be_visible()
    await expect(weekly).to_contain_text(original)
