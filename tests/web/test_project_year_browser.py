"""A project through its year on the workbench's screens, two roles taking turns.

The township secretary returns a declaration with reasons (first seeing the service's
message next to the empty reasons); the village secretary sees the reasons on the
project page, revises and resubmits; the township secretary approves (first seeing
that a score below 60 cannot pass, by that score), files, announces and starts it;
the village secretary reports this month's stage and the week. A project of one month
is then finished: the stage reported done, acceptance requested and granted, and the
year-end evaluation given (a model case only when excellent, as the service says by
the field). Every new page is photographed at desktop and phone size into
test-artefacts/workbench/.
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
    WENCHANG,
    WENCHANG_SECRETARY,
    confirm,
    declare,
    field,
    loaded,
    sign_in,
    sign_out,
    snap,
)
from tests.web.conftest import Workbench

pytestmark = pytest.mark.integration


async def set_number(page: Page, name: str, value: int) -> None:
    """Type into an Element Plus number box; it takes the value when the box is left."""
    box = page.locator(field(name))
    await box.fill(str(value))
    await box.press("Tab")


async def set_date(page: Page, name: str, day: date) -> None:
    box = page.locator(field(name))
    await box.fill(day.isoformat())
    await box.press("Enter")
    await page.keyboard.press("Escape")


async def test_a_project_goes_through_review_filing_announcement_and_reporting(
    page: Page, workbench: Workbench, artefacts: Path
) -> None:
    title = f"南铺社区路灯亮化 {uuid.uuid4().hex[:4]}"
    status = page.locator('[data-test="project-status"]')

    # The village secretary declares and submits.
    await sign_in(page, workbench, NANPU_SECRETARY, then="/projects/new")
    project_id = await declare(page, title)
    project_url = f"{workbench.url}/projects/{project_id}"
    await page.click('[data-test="submit"]')
    await confirm(page)
    await expect(status).to_have_text("待研判")
    await sign_out(page)

    # The township secretary finds it on the to-do list and returns it with reasons.
    await sign_in(page, workbench, WENCHANG_SECRETARY)
    await expect(page.locator('[data-test="count-review"] strong')).not_to_have_text("0")
    await snap(page, artefacts, "10-home-township")
    await page.locator('[data-test="todo-item"]', has_text=title).click()
    await expect(page).to_have_url(re.compile(rf"/projects/{project_id}/review$"))
    await page.click('[data-test="decision-return"]')
    for name, score in (("feasibility", 70), ("precision", 55), ("effectiveness", 65)):
        await set_number(page, f"score-{name}", score)
    await page.click('[data-test="send"]')
    reasons_item = page.locator(".el-form-item", has=page.locator(field("reasons")))
    await expect(reasons_item.locator(".el-form-item__error")).to_contain_text(
        "至少填写一条退回理由"
    )
    await page.fill(field("reasons"), "阶段任务不够具体，请写明每月安装数量\n请补充经费来源")
    await snap(page, artefacts, "11-review-form")
    await page.click('[data-test="send"]')
    await expect(page).to_have_url(re.compile(rf"/projects/{project_id}$"))
    await expect(status).to_have_text("已退回")
    await sign_out(page)

    # The village secretary sees why, revises and resubmits.
    await sign_in(page, workbench, NANPU_SECRETARY, then=f"/projects/{project_id}")
    reasons = page.locator('[data-test="return-reasons"]')
    await expect(reasons).to_contain_text("阶段任务不够具体，请写明每月安装数量")
    await expect(reasons).to_contain_text("请补充经费来源")
    await snap(page, artefacts, "12-project-returned")
    await page.click('[data-test="revise"]')
    await expect(page.locator(field("title"))).to_have_value(title)
    await page.fill(field("criteria"), "每月安装20盏，经费由村集体经济列支，群众满意度90%以上。")
    await page.click('[data-test="save"]')
    await expect(page).to_have_url(re.compile(rf"/projects/{project_id}$"))
    await expect(status).to_have_text("草稿")
    await expect(reasons).to_contain_text("请补充经费来源")  # still in view while revising
    await page.click('[data-test="submit"]')
    await confirm(page)
    await expect(status).to_have_text("待研判")
    await expect(reasons).to_have_count(0)
    await sign_out(page)

    # The township secretary approves (not with a score below 60), files, announces, starts.
    await sign_in(page, workbench, WENCHANG_SECRETARY, then=f"/projects/{project_id}")
    await page.click('[data-test="review"]')
    await expect(page).to_have_url(re.compile(rf"/projects/{project_id}/review$"))
    for name, score in (("feasibility", 85), ("precision", 50), ("effectiveness", 90)):
        await set_number(page, f"score-{name}", score)
    await page.click('[data-test="send"]')
    precision = page.locator(".el-form-item", has=page.locator(field("score-precision")))
    await expect(precision.locator(".el-form-item__error")).to_have_text("低于 60 分")
    await expect(page.locator('[data-test="form-error"]')).to_contain_text("评分低于 60 分")
    await set_number(page, "score-precision", 80)
    await page.click('[data-test="send"]')
    await expect(page).to_have_url(re.compile(rf"/projects/{project_id}$"))
    await expect(status).to_have_text("研判通过")
    await expect(page.locator('[data-test="reviews"]')).to_contain_text("精准性 80")

    await page.click('[data-test="file"]')
    await confirm(page)
    await expect(status).to_have_text("已备案")
    await expect(page.locator('[data-test="filing-number"]')).to_contain_text("LB-")

    await page.click('[data-test="announce"]')
    await expect(page).to_have_url(re.compile(rf"/projects/{project_id}/announce$"))
    # An announcement that already ran its course, so that execution can start today.
    starts, ends = date.today() - timedelta(days=8), date.today() - timedelta(days=1)
    await set_date(page, "starts-on", starts)
    await set_date(page, "ends-on", ends)
    await snap(page, artefacts, "13-announce-form")
    await page.click('[data-test="send"]')
    await expect(page).to_have_url(re.compile(rf"/projects/{project_id}$"))
    await expect(status).to_have_text("公示中")
    await expect(page.locator('[data-test="announcement"]')).to_contain_text(
        f"{starts.isoformat()} ~ {ends.isoformat()}"
    )
    await page.click('[data-test="start"]')
    await confirm(page)
    await expect(status).to_have_text("实施中")
    await expect(page.locator('[data-test="stage-progress"]').first).to_be_visible()
    await sign_out(page)

    # The village secretary reports this month's stage, then the week.
    this_month = date.today().strftime("%Y-%m")
    await sign_in(page, workbench, NANPU_SECRETARY)
    await expect(page.locator('[data-test="count-to-report"] strong')).not_to_have_text("0")
    await page.goto(project_url)
    await page.click('[data-test="report-stage"]')
    await expect(page).to_have_url(re.compile(rf"/projects/{project_id}/stages/{this_month}$"))
    await page.click('[data-test="send"]')  # nothing said yet: the service names the field
    narrative = page.locator(".el-form-item", has=page.locator(field("narrative")))
    await expect(narrative.locator(".el-form-item__error")).to_have_text("至少 1 个字")
    await page.click('[data-test="stage-status-partly"]')
    await set_number(page, "stage-percent", 60)
    await page.fill(field("narrative"), "本月完成主干道东段12盏路灯安装，西段线路已勘测。")
    await snap(page, artefacts, "14-stage-report-form")
    await page.click('[data-test="send"]')
    await expect(page).to_have_url(re.compile(rf"/projects/{project_id}$"))
    stage = page.locator('[data-test="stage-progress"]', has_text=this_month)
    await expect(stage).to_contain_text("部分完成")
    await expect(stage).to_contain_text("60%")
    await expect(stage).to_contain_text("已报告 1 次")

    await page.click('[data-test="report-weekly"]')
    await expect(page).to_have_url(re.compile(rf"/projects/{project_id}/weekly-reports$"))
    await page.fill(field("key-tasks"), "东段路灯通电调试\n西段线路招标")
    await page.fill(field("narrative"), "东段已通电，群众反映良好；西段招标文件已报镇审核。")
    await snap(page, artefacts, "15-weekly-report-form")
    await page.click('[data-test="send"]')
    await expect(page).to_have_url(re.compile(rf"/projects/{project_id}$"))
    await expect(page.locator('[data-test="weekly-list"]')).to_contain_text("西段线路招标")
    await expect(page.locator('[data-test="history"]')).to_contain_text("周报告")
    await loaded(page)
    await snap(page, artefacts, "16-project-in-execution")


async def project_in_execution(workbench: Workbench, title: str) -> str:
    """A project of this month only, declared, approved, filed, announced and started
    through the API (the screens for those steps are the test above)."""
    today = date.today()
    month = today.strftime("%Y-%m")
    next_month = (today.replace(day=28) + timedelta(days=4)).replace(day=1)
    village = auth(Role.VILLAGE_SECRETARY, NANPU, sub=NANPU_SECRETARY)
    township = auth(Role.TOWNSHIP_SECRETARY, WENCHANG, sub=WENCHANG_SECRETARY)
    form = {
        "unit_code": NANPU,
        "year": today.year,
        "title": title,
        "category": "人居环境",
        "problem": "小区楼道堆物多，消防通道不畅。",
        "expected_goals": "本月清理全部楼道堆物。",
        "evaluation_criteria": "楼道无堆物，消防检查合格。",
        "lead_secretary": "张书记",
        "task_force": ["李四"],
        "deadline": (next_month - timedelta(days=1)).isoformat(),
        "stage_tasks": [{"month": month, "task": "清理楼道堆物", "deliverable": "消防检查记录"}],
    }
    async with httpx.AsyncClient(base_url=workbench.services["projects"]) as http:

        async def step(path: str, headers: dict[str, str], body: object = None) -> None:
            answer = await http.post(
                f"/v1/projects/{project_id}/{path}", json=body, headers=headers
            )
            assert answer.status_code == 200, answer.text

        declared = await http.post("/v1/projects", json=form, headers=village)
        assert declared.status_code == 201, declared.text
        project_id = str(declared.json()["id"])
        scores = {"feasibility": 90, "precision": 90, "effectiveness": 90}
        await step("submission", village)
        await step("review", township, {"decision": "approve", "scores": scores})
        await step("filing", township)
        announced = {
            "starts_on": (today - timedelta(days=8)).isoformat(),
            "ends_on": (today - timedelta(days=1)).isoformat(),
        }
        await step("announcement", township, announced)
        await step("execution", township)
    return project_id


async def test_a_finished_project_is_accepted_and_evaluated(
    page: Page, workbench: Workbench, artefacts: Path
) -> None:
    title = f"南铺社区楼道清理 {uuid.uuid4().hex[:4]}"
    project_id = await project_in_execution(workbench, title)
    status = page.locator('[data-test="project-status"]')

    # The village secretary completes the month's stage and asks for acceptance.
    await sign_in(page, workbench, NANPU_SECRETARY, then=f"/projects/{project_id}")
    await expect(page.locator('[data-test="request-completion"]')).to_have_count(0)
    await page.click('[data-test="report-stage"]')
    await page.click('[data-test="stage-status-done"]')
    await expect(page.locator(field("stage-percent"))).to_have_value("100")
    await page.fill(field("narrative"), "全部楼道堆物已清理，消防检查合格。")
    await page.click('[data-test="send"]')
    await expect(page.locator('[data-test="stage-progress"]')).to_contain_text("已完成")
    await page.click('[data-test="request-completion"]')
    await expect(page).to_have_url(re.compile(rf"/projects/{project_id}/completion-request$"))
    await page.fill(field("summary"), "楼道堆物清理完毕，群众满意，消防通道畅通。")
    await snap(page, artefacts, "17-completion-request-form")
    await page.click('[data-test="send"]')
    await expect(status).to_have_text("待验收")
    await sign_out(page)

    # The township secretary accepts it and evaluates it (a model case needs 优秀).
    await sign_in(page, workbench, WENCHANG_SECRETARY)
    await expect(page.locator('[data-test="count-accept"] strong')).not_to_have_text("0")
    await page.locator('[data-test="todo-item"]', has_text=title).click()
    await expect(page).to_have_url(re.compile(rf"/projects/{project_id}/completion-decision$"))
    await expect(page.get_by_text("楼道堆物清理完毕")).to_be_visible()
    await snap(page, artefacts, "18-completion-decision-form")
    await page.click('[data-test="send"]')
    await expect(status).to_have_text("已验收")
    await page.click('[data-test="evaluate"]')
    for name, score in (("governance_effect", 80), ("problem_solved", 75), ("plan_completed", 85)):
        await set_number(page, f"score-{name}", score)
    await expect(page.locator('[data-test="total"]')).to_have_text("80")
    await page.locator('[data-test="model-case"]').click()
    await page.click('[data-test="send"]')
    model_case = page.locator(".el-form-item", has=page.locator('[data-test="model-case"]'))
    await expect(model_case.locator(".el-form-item__error")).to_have_text("评价等次不是优秀")
    await set_number(page, "score-governance_effect", 95)
    await set_number(page, "score-problem_solved", 92)
    await set_number(page, "score-plan_completed", 90)
    await snap(page, artefacts, "19-evaluation-form")
    await page.click('[data-test="send"]')
    await expect(status).to_have_text("已评价")
    await expect(page.locator('[data-test="evaluation"]')).to_contain_text("92.3")
    await expect(page.locator('[data-test="evaluation"]')).to_contain_text("优秀")


async def test_the_pages_notices_link_to_open(
    page: Page, workbench: Workbench, artefacts: Path
) -> None:
    title = f"南铺社区电动车充电棚 {uuid.uuid4().hex[:4]}"
    await project_in_execution(workbench, title)
    month = date.today().strftime("%Y-%m")

    # A township's monthly reminder card lists this month's stage tasks in its villages.
    await sign_in(page, workbench, WENCHANG_SECRETARY, then=f"/units/{WENCHANG}/cards/{month}")
    row = page.locator('[data-test="card-row"]', has_text=title)
    await expect(row).to_contain_text("清理楼道堆物")
    await snap(page, artefacts, "20-monthly-card")
    await row.click()
    await expect(page.locator('[data-test="project-title"]')).to_have_text(title)

    # A notice about a notice opens the inbox; a rectification's link opens its
    # inspection's page (tests/web/test_supervision_browser.py), which says when it is
    # not there for this user.
    await page.goto(f"{workbench.url}/inbox/0123456789abcdef")
    await expect(page.locator(".page-title")).to_contain_text("通知")
    await page.goto(f"{workbench.url}/rectifications/0123456789abcdef-r")
    await expect(page.locator('[data-test="load-error"]')).to_contain_text("检查不存在")
