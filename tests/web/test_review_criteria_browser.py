"""The review principle 切口小、有难度、示范强、能完成 on the review form, and a dispatch
meeting's projects picked from the project list, at desktop and phone size.

The township secretary judges a submitted declaration criterion by criterion: judging
three of four is refused naming the missing one; approving with one not met is refused
by that criterion; returning with it not met needs no other reason, and the project page
shows each criterion's judgement and the unmet one among the return reasons. The same
secretary then records a township dispatch meeting, picking the project by searching
its title: the title and unit are filled in, and the minutes link to the project.
"""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Page, expect

from lingban_kit.auth import Role
from tests.auth import auth
from tests.web.browser import (
    NANPU,
    NANPU_SECRETARY,
    WENCHANG_SECRETARY,
    field,
    loaded,
    pick_option,
    sign_in,
    snap,
)
from tests.web.conftest import Workbench
from tests.web.test_project_year_browser import set_number

pytestmark = pytest.mark.integration


async def submitted_project(workbench: Workbench, title: str) -> str:
    """A declaration of 南铺社区 submitted for review, through the API."""
    today = date.today()
    month = today.strftime("%Y-%m")
    next_month = (today.replace(day=28) + timedelta(days=4)).replace(day=1)
    village = auth(Role.VILLAGE_SECRETARY, NANPU, sub=NANPU_SECRETARY)
    form = {
        "unit_code": NANPU,
        "year": today.year,
        "title": title,
        "category": "人居环境",
        "problem": "老旧小区雨污混流，雨天污水外溢。",
        "expected_goals": "年内完成雨污分流改造。",
        "evaluation_criteria": "雨天无外溢，群众满意度90%以上。",
        "lead_secretary": "张书记",
        "task_force": ["李四"],
        "deadline": (next_month - timedelta(days=1)).isoformat(),
        "stage_tasks": [{"month": month, "task": "管网改造", "deliverable": "验收记录"}],
    }
    async with httpx.AsyncClient(base_url=workbench.services["projects"]) as http:
        declared = await http.post("/v1/projects", json=form, headers=village)
        assert declared.status_code == 201, declared.text
        project_id = str(declared.json()["id"])
        submitted = await http.post(f"/v1/projects/{project_id}/submission", headers=village)
        assert submitted.status_code == 200, submitted.text
    return project_id


def item_error(page: Page, test: str) -> str:
    return (
        f'.el-form-item:has([data-test="{test}"]) > .el-form-item__content > .el-form-item__error'
    )


async def test_the_review_judges_each_criterion_and_the_meeting_picks_the_project(
    page: Page, workbench: Workbench, artefacts: Path
) -> None:
    title = f"南铺社区雨污分流 {uuid.uuid4().hex[:4]}"
    project_id = await submitted_project(workbench, title)

    # ---- the review, criterion by criterion ----------------------------------------
    await sign_in(page, workbench, WENCHANG_SECRETARY, then=f"/projects/{project_id}/review")
    await loaded(page)
    for name in ("feasibility", "precision", "effectiveness"):
        await set_number(page, f"score-{name}", 85)
    for criterion in ("small_cut", "real_difficulty", "can_finish"):
        await page.click(f'[data-test="criterion-{criterion}-yes"]')
    # Three of four: the service names the one missing.
    await page.click('[data-test="send"]')
    await expect(page.locator(item_error(page, "criteria"))).to_contain_text("示范强")
    # Not met: approval is refused by that criterion.
    await page.click('[data-test="criterion-strong_example-no"]')
    await page.fill(field("criterion-strong_example-comment"), "同类项目已普遍开展")
    await expect(page.locator(item_error(page, "criteria"))).to_have_count(0)
    await page.click('[data-test="send"]')
    strong = page.locator('[data-test="criterion-strong_example"]')
    await expect(strong.locator('[data-test="criterion-error"]')).to_have_text("未达到该项原则")
    await expect(page.locator('[data-test="form-error"]')).to_contain_text("示范强")
    await expect(
        page.locator('[data-test="criterion-small_cut"] [data-test="criterion-error"]')
    ).to_have_count(0)
    await snap(page, artefacts, "review-criteria-form")
    # Returned for it, with no other reason.
    await page.click('[data-test="decision-return"]')
    await page.click('[data-test="send"]')
    await expect(page).to_have_url(re.compile(rf"/projects/{project_id}$"))
    await expect(page.locator('[data-test="project-status"]')).to_have_text("已退回")
    judged = page.locator('[data-test="review-criteria"]')
    await expect(judged).to_contain_text("示范强 · 未达到")
    await expect(judged).to_contain_text("切口小 · 达到")
    await expect(page.locator('[data-test="return-reasons"]')).to_contain_text(
        "未达到“示范强”：同类项目已普遍开展"
    )
    await snap(page, artefacts, "review-criteria-returned")

    # ---- a township dispatch meeting picks the project ---------------------------
    await page.goto(f"{workbench.url}/dispatch/meetings/new")
    await loaded(page)
    await page.click('[data-test="add-project"]')
    picker = page.locator('[data-test="project-pick"]')
    await picker.click()
    await picker.locator("input").fill(title[-4:])
    await page.locator(f'[data-test="project-option-{project_id}"]:visible').click()
    await expect(page.locator(field("project-title"))).to_have_value(title)
    await expect(page.locator('[data-test="project-unit"]')).to_contain_text("南铺社区")
    await page.fill(field("project-progress"), "已完成管网摸排，下月开工。")
    await page.fill(field("meeting-chair"), "文昌街道党委书记")
    # The project's list is closed first: its options name 南铺社区 too.
    await expect(page.locator(f'[data-test="project-option-{project_id}"]')).to_be_hidden()
    await pick_option(page, "meeting-units", re.compile(r"^南铺社区$"))
    await page.keyboard.press("Escape")
    await snap(page, artefacts, "dispatch-meeting-project-pick-form")
    await page.click('[data-test="send"]')
    await expect(page).to_have_url(re.compile(r"/dispatch/meetings/(?!new$)[^/]+$"))
    await loaded(page)
    reviewed = page.locator('[data-test="reviewed-project"]', has_text=title)
    await expect(reviewed.locator(f'a[href="/projects/{project_id}"]')).to_have_text(title)
    await snap(page, artefacts, "dispatch-meeting-project-picked")
