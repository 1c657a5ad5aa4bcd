"""The workbench in Debian's Chromium, through the gateway, as a village secretary.

A village secretary signs in by picking the demo user (no token), declares a project
with a monthly stage plan (first seeing the server's message next to the empty plan),
submits it and sees it waiting for review; a secretary of another village does not see
it, the township above does. Every page is photographed at desktop (1280×800) and phone
(390×844) size into test-artefacts/workbench/, and must not overflow the phone's width.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, Page, expect

from lingban_kit.auth import Role
from tests.auth import auth
from tests.web.browser import (
    FANJI_SECRETARY,
    NANPU,
    NANPU_SECRETARY,
    WAIT_MS,
    WENCHANG_SECRETARY,
    declare,
    field,
    sign_in,
    sign_out,
    snap,
)
from tests.web.conftest import Workbench

pytestmark = pytest.mark.integration


async def test_village_secretary_declares_and_submits_a_project(
    page: Page, workbench: Workbench, artefacts: Path
) -> None:
    title = f"南铺社区主干道路灯改造 {uuid.uuid4().hex[:4]}"
    await page.goto(f"{workbench.url}/")
    await expect(page.locator(f'[data-test="demo-user-{NANPU_SECRETARY}"]')).to_be_visible()
    # English is one click away, and back.
    await page.get_by_role("button", name="English").click()
    await expect(page.get_by_text("Sign in as a demo user")).to_be_visible()
    await page.get_by_role("button", name="中文").click()
    await expect(page.get_by_text("选择演示用户登录")).to_be_visible()
    await snap(page, artefacts, "01-sign-in")
    await sign_in(page, workbench, NANPU_SECRETARY)
    await expect(page.locator('[data-test="count-unread"]')).to_be_visible()
    await snap(page, artefacts, "02-home")

    await page.click('[data-test="declare"]')
    await expect(page.locator(field("title"))).to_be_visible()
    project_id = await declare(page, title)
    await snap(page, artefacts, "04-project-draft")

    await page.click('[data-test="submit"]')
    await page.locator(".el-message-box__btns .el-button--primary").click()
    await expect(page.locator('[data-test="project-status"]')).to_have_text("待研判")
    await expect(page.locator('[data-test="submit"]')).to_have_count(0)
    await expect(page.locator('[data-test="history"]')).to_contain_text("上报研判")
    await snap(page, artefacts, "05-project-submitted")

    await page.goto(f"{workbench.url}/projects")
    row = page.locator('[data-test="project-row"]', has_text=title)
    await expect(row).to_be_visible()
    await snap(page, artefacts, "06-project-list")

    await page.goto(f"{workbench.url}/")
    await expect(page.locator('[data-test="count-submitted"] strong')).not_to_have_text("0")
    await page.goto(f"{workbench.url}/inbox")
    await expect(page.locator(".page-title")).to_contain_text("通知")
    await snap(page, artefacts, "07-inbox")

    # The declaration form, photographed with a filled stage plan.
    await page.goto(f"{workbench.url}/projects/new")
    await page.fill(field("title"), "示例：议事协商平台建设")
    await page.click('[data-test="fill-months"]')
    await snap(page, artefacts, "03-declare-form")
    assert project_id


async def test_a_village_secretary_does_not_see_another_villages_project(
    page: Page, workbench: Workbench
) -> None:
    title = f"南铺社区垃圾分类 {uuid.uuid4().hex[:4]}"
    await sign_in(page, workbench, NANPU_SECRETARY, then="/projects/new")
    project_id = await declare(page, title)
    await sign_out(page)

    await sign_in(page, workbench, FANJI_SECRETARY, then="/projects?scope=region")
    await expect(page.locator(".page-title")).to_contain_text("项目")
    await expect(page.locator("[data-state=ready]")).to_have_count(1)
    await expect(page.locator('[data-test="project-row"]', has_text=title)).to_have_count(0)
    await page.goto(f"{workbench.url}/projects/{project_id}")
    await expect(page.get_by_text("项目不存在，或不在您的管辖范围内")).to_be_visible()
    await expect(page.locator('[data-test="submit"]')).to_have_count(0)
    await sign_out(page)

    # The township above does see it: the check above can fail.
    await sign_in(page, workbench, WENCHANG_SECRETARY, then="/projects?scope=region")
    await expect(page.locator('[data-test="project-row"]', has_text=title)).to_be_visible()


async def test_a_conflicting_revision_is_explained_and_keeps_what_was_typed(
    browser: Browser, workbench: Workbench
) -> None:
    context = await browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    context.set_default_timeout(WAIT_MS)
    page = await context.new_page()
    try:
        await sign_in(page, workbench, NANPU_SECRETARY, then="/projects/new")
        project_id = await declare(page, f"南铺社区议事会 {uuid.uuid4().hex[:4]}")
        await page.click('[data-test="revise"]')
        await expect(page.locator(field("title"))).not_to_have_value("")
        await page.fill(field("title"), "我在页面上改的名称")

        # Meanwhile someone else revises the same project.
        headers = auth(Role.VILLAGE_SECRETARY, NANPU, sub=NANPU_SECRETARY)
        async with httpx.AsyncClient(base_url=workbench.services["projects"]) as http:
            project = (await http.get(f"/v1/projects/{project_id}", headers=headers)).json()
            form = {**project["declaration"], "title": "别人改的名称"}
            changed = await http.put(
                f"/v1/projects/{project_id}/declaration",
                json=form,
                headers={**headers, "If-Match": f'"{project["version"]}"'},
            )
            assert changed.status_code == 200, changed.text

        await page.click('[data-test="save"]')
        await expect(page.locator('[data-test="conflict"]')).to_contain_text("项目已被他人修改")
        await expect(page.locator(field("title"))).to_have_value("我在页面上改的名称")
        await page.get_by_role("button", name="用我的内容覆盖").click()
        await expect(page).to_have_url(re.compile(rf"/projects/{project_id}$"))
        await expect(page.locator('[data-test="project-title"]')).to_have_text("我在页面上改的名称")
    finally:
        await context.close()
