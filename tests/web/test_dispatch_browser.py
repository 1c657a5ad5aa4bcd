"""Dispatch (调度) in the workbench: a meeting, its task, the report back and the closing.

The city's organisation department records its monthly dispatch meeting (一月一调度) on
the desktop — first seeing the service name the missing chair, with what was typed
kept — and assigns a task to 文昌街道 in the same form. The township's secretary finds
the task on the phone's to-do list (390×844), is told a report needs its text, and
reports back with a photo; the city sends it back once (退回重办, a reason needed),
the township reports again, and the city strikes the task off (办结销号). Each side sees
only its own step: the township no closing, the city no report form.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Page, expect

from lingban_kit.auth import Role
from tests.auth import auth
from tests.web.browser import (
    SIZES,
    WAIT_MS,
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
from tests.web.test_project_year_browser import set_date
from tests.web.test_supervision_browser import attach_photo

pytestmark = pytest.mark.integration

CITY = "340881000000"  # 桐城市
CITY_ORG = f"city_org@{CITY}"


@asynccontextmanager
async def tab(browser: Browser, size: str) -> AsyncIterator[Page]:
    """A tab of its own size and sign-in (the page fixture gives one size per test)."""
    width, height = SIZES[size]
    context = await browser.new_context(
        viewport={"width": width, "height": height},
        locale="zh-CN",
        reduced_motion="reduce",
        has_touch=size == "phone",
    )
    context.set_default_timeout(WAIT_MS)
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        yield page
    finally:
        await context.close()
    assert errors == [], f"the page raised: {errors}"


async def task_of(workbench: Workbench, task_id: str) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=workbench.services["supervision"]) as http:
        answer = await http.get(f"/v1/dispatch/tasks/{task_id}", headers=auth(Role.CITY_ORG, CITY))
        assert answer.status_code == 200, answer.text
        found: dict[str, Any] = answer.json()
        return found


def form_error(page: Page, name: str) -> str:
    return f'.el-form-item:has([data-test="{name}"]) .el-form-item__error'


async def test_the_city_assigns_a_task_the_township_reports_and_the_city_closes_it(
    browser: Browser, workbench: Workbench, artefacts: Path
) -> None:
    content = f"督促推进路灯亮化项目并报送照片 {uuid.uuid4().hex[:4]}"
    deadline = date.today() + timedelta(days=10)

    async with tab(browser, "desktop") as city:
        # ---- the city records its monthly meeting and assigns a task -------------------
        await sign_in(city, workbench, CITY_ORG, "/dispatch")
        await loaded(city)
        await expect(city.locator('[data-test="dispatch-tabs"]')).to_be_visible()
        await city.click('[data-test="new-meeting"]')
        await expect(city).to_have_url(re.compile(r"/dispatch/meetings/new$"))
        await loaded(city)
        # The city holds monthly meetings only; its own region is chosen.
        await expect(city.locator('[data-test="level-city_monthly"]')).to_be_visible()
        await expect(city.locator('[data-test="level-township_quarterly"]')).to_have_count(0)
        await pick_option(city, "meeting-units", "文昌街道")
        await city.keyboard.press("Escape")
        await city.fill(field("person-name"), "王强")
        await city.fill(field("person-department"), "乡村振兴专班")
        await city.click('[data-test="add-project"]')
        await city.fill(field("project-title"), "南铺社区路灯亮化")
        await city.fill(field("project-progress"), "已完成采购，正在安装，预计月底完工。")
        await city.fill(field("meeting-problems"), "部分项目进度滞后\n佐证材料不全")
        await city.fill(field("meeting-next-steps"), "逐项交办，限期销号")
        await pick_option(city, "task-unit", "文昌街道")
        await city.fill(field("task-content"), content)
        await city.fill(field("task-owner"), "文昌街道党委书记")
        await set_date(city, "task-deadline", deadline)
        # Without a chair the service refuses it and says which field; nothing is lost.
        await city.click('[data-test="send"]')
        await expect(city.locator(form_error(city, "meeting-chair"))).to_have_text("至少 1 个字")
        await expect(city.locator(field("task-content"))).to_have_value(content)
        await city.fill(field("meeting-chair"), "市委组织部部长")
        await expect(city.locator(form_error(city, "meeting-chair"))).to_have_count(0)
        await snap(city, artefacts, "dispatch-meeting-form")
        await city.click('[data-test="send"]')
        await expect(city).to_have_url(re.compile(r"/dispatch/meetings/[^/]+$"))
        await loaded(city)
        await expect(city.locator('[data-test="meeting-title"]')).to_contain_text("桐城市")
        await expect(city.locator('[data-test="meeting-units"]')).to_have_text("文昌街道")
        await expect(city.locator('[data-test="meeting-problems"]')).to_contain_text("佐证材料不全")
        row = city.locator('[data-test="task-row"]', has_text=content)
        await expect(row).to_contain_text("待反馈")
        await snap(city, artefacts, "dispatch-meeting")
        href = await row.get_attribute("href")
        assert href is not None
        assert href.startswith("/tasks/")
        task_id = href.rsplit("/", 1)[1]
        assigned = await task_of(workbench, task_id)
        assert (assigned["unit_code"], assigned["status"], assigned["deadline"]) == (
            WENCHANG,
            "assigned",
            deadline.isoformat(),
        )
        # The meetings list shows it.
        await city.goto(f"{workbench.url}/dispatch")
        await loaded(city)
        await expect(city.locator('[data-test="meeting-row"]').first).to_be_visible()
        await snap(city, artefacts, "dispatch-meetings")

        # ---- the township reports back on a phone ----------------------------------------
        async with tab(browser, "phone") as township:
            await sign_in(township, workbench, WENCHANG_SECRETARY, "/")
            await loaded(township)
            todo = township.locator('[data-test="task-todo"]', has_text=content)
            await expect(todo).to_contain_text("待反馈")
            await snap(township, artefacts, "dispatch-home")
            await todo.click()
            await expect(township).to_have_url(re.compile(f"/tasks/{task_id}$"))
            await loaded(township)
            await expect(township.locator('[data-test="task-status"]')).to_have_text("待反馈")
            await expect(township.locator('[data-test="close-task"]')).to_have_count(0)
            await township.click('[data-test="send-report"]')
            await expect(township.locator(form_error(township, "report-text"))).to_have_text(
                "至少 1 个字"
            )
            await township.fill(field("report-text"), "路灯已全部安装通电，照片见附件。")
            await attach_photo(township, "路灯通电.png", "PNG")
            await snap(township, artefacts, "dispatch-task-report")
            await township.click('[data-test="send-report"]')
            await expect(township.locator('[data-test="task-status"]')).to_have_text("待销号")
            await expect(township.locator('[data-test="task-report"]')).to_contain_text(
                "路灯已全部安装通电"
            )
            await expect(township.locator('[data-test="send-report"]')).to_have_count(0)
            await expect(township.locator('[data-test="close-task"]')).to_have_count(0)
            await snap(township, artefacts, "dispatch-task-reported")

            # The city sends it back once (a reason is needed), and the township sees why
            # and reports again.
            await city.goto(f"{workbench.url}/tasks/{task_id}")
            await loaded(city)
            await expect(city.locator('[data-test="send-report"]')).to_have_count(0)
            await city.click('[data-test="send-back"]')
            await expect(city.locator(form_error(city, "return-reasons"))).to_have_text("至少 1 项")
            await city.fill(field("return-reasons"), "缺少通电后的夜间照片")
            await city.click('[data-test="send-back"]')
            await expect(city.locator('[data-test="task-status"]')).to_have_text("待反馈")
            await expect(city.locator('[data-test="close-task"]')).to_have_count(0)
            await township.reload()
            await loaded(township)
            await expect(township.locator('[data-test="task-return"]')).to_contain_text(
                "缺少通电后的夜间照片"
            )
            await township.fill(field("report-text"), "已补充夜间照明照片。")
            await attach_photo(township, "夜间照明.png", "PNG")
            await township.click('[data-test="send-report"]')
            await expect(township.locator('[data-test="task-status"]')).to_have_text("待销号")
            await expect(township.locator('[data-test="task-report"]')).to_have_count(2)
            # The township reads the city meeting it attended, from the task.
            await township.click('[data-test="task-meeting"]')
            await expect(township).to_have_url(re.compile(r"/dispatch/meetings/[^/]+$"))
            await loaded(township)
            await expect(township.locator('[data-test="meeting-units"]')).to_have_text("文昌街道")
            await expect(township.locator('[data-test="assign"]')).to_have_count(0)
            await snap(township, artefacts, "dispatch-meeting")
            await township.goto(f"{workbench.url}/tasks")
            await loaded(township)
            await expect(
                township.locator('[data-test="task-row"]', has_text=content)
            ).to_be_visible()
            await snap(township, artefacts, "dispatch-tasks")
        reported = await task_of(workbench, task_id)
        assert reported["status"] == "reported"
        assert [len(r["attachments"]) for r in reported["reports"]] == [1, 1]
        assert reported["returns"][0]["reasons"] == ["缺少通电后的夜间照片"]

        # ---- the city strikes it off -----------------------------------------------------
        await city.goto(f"{workbench.url}/tasks/{task_id}")
        await loaded(city)
        await expect(city.locator('[data-test="task-status"]')).to_have_text("待销号")
        await expect(city.locator('[data-test="send-report"]')).to_have_count(0)
        await expect(
            city.locator('[data-test="task-report"] [data-test="attachment-link"]').last
        ).to_contain_text("夜间照明.png")
        await city.fill(field("closing-comment"), "经核实已办结")
        await snap(city, artefacts, "dispatch-task-review")
        await city.click('[data-test="close-task"]')
        await confirm(city)
        await expect(city.locator('[data-test="task-status"]')).to_have_text("已办结")
        await expect(city.locator('[data-test="task-closed"]')).to_contain_text("经核实已办结")
        await expect(city.locator('[data-test="close-task"]')).to_have_count(0)
        await snap(city, artefacts, "dispatch-task-closed")
        closed = await task_of(workbench, task_id)
        assert (closed["status"], closed["closing_comment"]) == ("closed", "经核实已办结")

        await city.goto(f"{workbench.url}/tasks?status=closed")
        await loaded(city)
        await expect(city.locator('[data-test="task-row"]', has_text=content)).to_be_visible()
        await snap(city, artefacts, "dispatch-tasks")
