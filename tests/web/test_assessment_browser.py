"""The year-end assessment (考核) in the workbench, at desktop and phone size.

The city's organisation department sets the year's scheme — the screen refuses weights
that do not add up to 100 % before the service is asked — reads the draft ranking,
adds a 扣分 with its reason, finalizes (after which the draft's forms are gone), records
a 约谈 of a unit on the final list, and
nominates and publishes a 示范村 in the model-case library, which a leader then reads.

Each page size uses its own year: one database for the session, and a finalized year
stays finalized.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from tests.web.browser import confirm, field, loaded, pick_option, sign_in, sign_out, size_of, snap
from tests.web.conftest import Workbench

pytestmark = pytest.mark.integration

CITY_ORG = "city_org@340881000000"  # 桐城市组织部
LEADER = "leader@340881000000"  # 桐城市领导（只读）


async def set_number(page: Page, name: str, value: int) -> None:
    box = page.locator(field(name))
    await box.fill(str(value))
    await box.press("Tab")


async def test_the_city_sets_the_scheme_adjusts_finalizes_and_publishes_a_case(
    page: Page, workbench: Workbench, artefacts: Path
) -> None:
    # The year before last for the desktop, the year before for the phone: both in the
    # year select, neither touched by other tests.
    year = str(2024 if size_of(page) == "desktop" else 2025)
    await sign_in(page, workbench, CITY_ORG, "/assessment/scheme")
    await loaded(page)
    await pick_option(page, "year", year)
    await loaded(page)
    sum_line = page.locator('[data-test="weight-sum"]')
    await expect(sum_line).to_have_text("合计 100%")
    await set_number(page, "weight-project", 50)
    await expect(sum_line).to_contain_text("须为 100%，现为 110%")
    await expect(page.locator('[data-test="save-scheme"]')).to_be_disabled()
    await set_number(page, "weight-inspections", 10)
    await expect(sum_line).to_have_text("合计 100%")
    await snap(page, artefacts, "assessment-scheme")
    await page.click('[data-test="save-scheme"]')
    await expect(page.locator(".el-message--success")).to_contain_text("考核方案已保存")

    # The draft ranking, a 扣分 with its reason, then finalizing.
    await page.click('[data-test="tab-scores"]')
    await loaded(page)
    await pick_option(page, "year", year)
    await loaded(page)
    await expect(page.locator('[data-test="assessment-status"]')).to_have_text("草稿（实时计算）")
    await expect(page.locator('[data-test="score-row"]').first).to_be_visible()
    await pick_option(page, "adjust-unit", "文昌街道")
    await set_number(page, "adjust-points", -2)
    await page.click('[data-test="adjust"]')
    reason = page.locator(".el-form-item", has=page.locator('[data-test="adjust-reason"]'))
    await expect(reason.locator(".el-form-item__error")).to_have_text("至少 1 个字")
    await page.fill(field("adjust-reason"), "信息报送不及时")
    await page.click('[data-test="adjust"]')
    await expect(page.locator('[data-test="adjustment"]')).to_contain_text("信息报送不及时")
    await snap(page, artefacts, "assessment-draft")
    await page.click('[data-test="finalize"]')
    await confirm(page)
    await expect(page.locator('[data-test="assessment-status"]')).to_have_text("已定稿")
    await expect(page.locator('[data-test="adjust"]')).to_have_count(0)
    await expect(page.locator('[data-test="finalize"]')).to_have_count(0)
    # A 约谈 of a unit on the final list, recorded afterwards.
    talks = page.locator('[data-test="list-talks"]')
    await talks.locator('[data-test="record-talk"]').first.click()
    await page.fill(field("talk-held-by"), "市委组织部副部长")
    await page.fill(field("talk-attendees"), "文昌街道党委书记")
    await page.fill(field("talk-notes"), "指出项目进度滞后问题，提出整改要求。")
    await page.click('[data-test="talk-save"]')
    await expect(talks).to_contain_text("已约谈")
    await snap(page, artefacts, "assessment-final")

    # A 示范村, nominated and published; the leader reads it.
    title = f"南铺社区示范村 {year}-{size_of(page)}"
    await page.click('[data-test="tab-cases"]')
    await loaded(page)
    await page.click('[data-test="nominate"]')
    await pick_option(page, "case-unit", "南铺社区")
    await page.fill(field("case-title"), title)
    await page.fill(field("case-summary"), "以路灯亮化为抓手，带动人居环境整治。")
    await page.click('[data-test="case-save"]')
    case = page.locator('[data-test="case"]', has_text=title)
    await expect(case.locator('[data-test="case-status"]')).to_have_text("已推荐")
    await case.locator('[data-test="publish"]').click()
    await expect(case.locator('[data-test="case-status"]')).to_have_count(0)
    await expect(case).to_contain_text("发布")
    await snap(page, artefacts, "assessment-cases")
    await sign_out(page)
    await sign_in(page, workbench, LEADER, "/model-cases")
    await loaded(page)
    await expect(page.locator('[data-test="case"]', has_text=title)).to_be_visible()
    await expect(page.locator('[data-test="nominate"]')).to_have_count(0)
    await expect(page.locator('[data-test="publish"]')).to_have_count(0)
    await expect(page).to_have_url(re.compile(r"/model-cases$"))
    await snap(page, artefacts, "assessment-cases-leader")
