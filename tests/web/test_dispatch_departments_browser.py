"""Dispatch to member departments (成员单位) in the workbench, at desktop and phone size.

The city's organisation department records a monthly dispatch meeting whose first task
goes to 农业农村局 (chosen as 成员单位, from the city's member departments in the
reminder directory) and whose second goes to 文昌街道 (单位). The service stores the
first as the department's task of the city; the meeting page names the department. The
link of the department's monthly card (`/dispatch/tasks?department=agriculture`) opens
the task list filtered to that department by the API: its task, not the township's, and
the counts above the list are the department's; clearing the filter shows both and
counts more.

The department's own account, which may not read the reminder directory, finds 调度 in
its menu (its tasks, no meetings tab, no unit or department filter), the task on its
to-do list and in the list under the department's Chinese name (from the read-only list
of member departments, not `成员单位（agriculture）`), and reports back on the task's page
(no attachments: the role uploads nothing). A leader, who may not read the directory
either, reads the name too.
"""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Locator, Page, expect

from lingban_kit.auth import Role
from tests.auth import auth
from tests.web.browser import (
    WENCHANG,
    field,
    loaded,
    pick_from,
    pick_option,
    sign_in,
    sign_out,
    size_of,
    snap,
)
from tests.web.conftest import Workbench
from tests.web.test_dispatch_browser import CITY, CITY_ORG

pytestmark = pytest.mark.integration

DEPARTMENT_USER = f"member_department@{CITY}"  # the dev sign-in's 农业农村局 account
LEADER = f"leader@{CITY}"
DEPARTMENTS = {"agriculture": "桐城市农业农村局", "civil-affairs": "桐城市民政局"}


@pytest.fixture
async def member_departments(workbench: Workbench) -> None:
    """The city's member departments in the reminder directory (where the form finds them)."""
    async with httpx.AsyncClient(base_url=workbench.services["notifications"]) as http:
        for slug, name in DEPARTMENTS.items():
            entry = {
                "id": f"member-department:{slug}",
                "name": name,
                "kind": "member_department",
                "unit_code": CITY,
                "channels": ["inbox"],
            }
            stored = await http.put(
                f"/v1/contacts/{entry['id']}", json=entry, headers=auth(Role.CITY_ORG, CITY)
            )
            assert stored.status_code == 200, stored.text


async def pick_in(page: Page, scope: Locator, select: str, text: str) -> None:
    """Pick an option of a select inside one task row (every row has the same fields)."""
    await pick_from(page, scope.locator(f'[data-test="{select}"]'), text)


async def fill_task(page: Page, row: Locator, content: str, owner: str, deadline: date) -> None:
    await row.locator(field("task-content")).fill(content)
    await row.locator(field("task-owner")).fill(owner)
    box = row.locator(field("task-deadline"))
    await box.fill(deadline.isoformat())
    await box.press("Enter")
    await page.keyboard.press("Escape")


async def assignees_are(page: Page, name: str) -> None:
    """Every task listed goes to `name` (and there is one at least)."""
    shown = await page.locator('[data-test="task-assignee"]').all_inner_texts()
    assert shown
    assert set(shown) == {name}, shown


async def tasks_of_meeting(workbench: Workbench, meeting_id: str) -> list[dict[str, Any]]:
    async with httpx.AsyncClient(base_url=workbench.services["supervision"]) as http:
        answer = await http.get(
            "/v1/dispatch/tasks",
            params={"meeting_id": meeting_id},
            headers=auth(Role.CITY_ORG, CITY),
        )
        assert answer.status_code == 200, answer.text
        found: list[dict[str, Any]] = answer.json()
        return found


async def test_a_meeting_assigns_a_task_to_a_member_department_and_its_card_link_filters_the_list(
    page: Page, workbench: Workbench, artefacts: Path, member_departments: None
) -> None:
    tag = f"{size_of(page)}-{uuid.uuid4().hex[:4]}"
    to_department = f"协调高标准农田建设资金拨付 {tag}"
    to_township = f"督促文昌街道补齐佐证材料 {tag}"
    deadline = date.today() + timedelta(days=14)

    await sign_in(page, workbench, CITY_ORG, "/dispatch/meetings/new")
    await loaded(page)
    await page.fill(field("meeting-chair"), "市委组织部部长")
    await page.fill(field("person-name"), "市农业农村局副局长")
    await page.fill(field("person-department"), "农业农村局")

    # First task: to a member department. The unit's select gives way to the departments'.
    first = page.locator('[data-test="task-row"]').nth(0)
    await expect(first.locator('[data-test="task-to-unit"]')).to_be_visible()
    await first.locator('[data-test="task-to-department"]').click()
    await expect(first.locator('[data-test="task-unit"]')).to_have_count(0)
    await pick_in(page, first, "task-department", "农业农村局")
    await fill_task(page, first, to_department, "市农业农村局副局长", deadline)
    # Second task: to a unit, as before.
    await page.click('[data-test="add-task"]')
    second = page.locator('[data-test="task-row"]').nth(1)
    await pick_in(page, second, "task-unit", "文昌街道")
    await fill_task(page, second, to_township, "文昌街道党委书记", deadline)
    await snap(page, artefacts, "dispatch-department-task-form")

    await page.click('[data-test="send"]')
    await expect(page).to_have_url(re.compile(r"/dispatch/meetings/(?!new$)[^/]+$"))
    await loaded(page)
    meeting_id = page.url.rsplit("/", 1)[1]
    department_row = page.locator('[data-test="task-row"]', has_text=to_department)
    await expect(department_row.locator('[data-test="task-assignee"]')).to_have_text(
        "桐城市农业农村局"
    )
    township_row = page.locator('[data-test="task-row"]', has_text=to_township)
    await expect(township_row.locator('[data-test="task-assignee"]')).to_have_text("文昌街道")
    await snap(page, artefacts, "dispatch-department-meeting")
    stored = {t["content"]: t for t in await tasks_of_meeting(workbench, meeting_id)}
    assert (stored[to_department]["unit_code"], stored[to_department]["department"]) == (
        CITY,
        "agriculture",
    )
    assert (stored[to_township]["unit_code"], stored[to_township]["department"]) == (
        WENCHANG,
        None,
    )

    # The department's monthly card links here: its tasks only.
    await page.goto(f"{workbench.url}/dispatch/tasks?department=agriculture")
    await expect(page).to_have_url(re.compile(r"/tasks\?department=agriculture$"))
    await loaded(page)
    await expect(page.locator('[data-test="filter-department"]')).to_contain_text(
        "桐城市农业农村局"
    )
    rows = page.locator('[data-test="task-row"]')
    await expect(rows.filter(has_text=to_department)).to_have_count(1)
    await expect(rows.filter(has_text=to_township)).to_have_count(0)
    await assignees_are(page, "桐城市农业农村局")
    # The counts are the department's: as many as its rows (the year's would count more).
    filtered = await rows.count()
    await expect(page.locator('[data-test="count-total"]')).to_have_text(str(filtered))
    await snap(page, artefacts, "dispatch-department-tasks")

    # Cleared, the list has the township's task too (and the address forgets the filter).
    await page.locator('[data-test="filter-department"]').hover()
    await page.locator('[data-test="filter-department"] .el-select__clear').click()
    await expect(rows.filter(has_text=to_township)).to_have_count(1)
    await expect(page).not_to_have_url(re.compile(r"department="))
    await loaded(page)
    everything = int(await page.locator('[data-test="count-total"]').inner_text())
    assert everything > filtered
    await pick_option(page, "filter-department", "农业农村局")
    await expect(rows.filter(has_text=to_township)).to_have_count(0)
    await expect(page).to_have_url(re.compile(r"department=agriculture"))
    await expect(page.locator('[data-test="count-total"]')).to_have_text(str(filtered))

    # A leader, who may not read the directory, reads the department's name.
    await sign_out(page)
    await sign_in(page, workbench, LEADER, "/tasks?department=agriculture")
    await loaded(page)
    await expect(rows.filter(has_text=to_department)).to_have_count(1)
    await assignees_are(page, "桐城市农业农村局")

    # The card reaches the department's own account: the link opens its task there too.
    await sign_out(page)
    await sign_in(page, workbench, DEPARTMENT_USER, "/dispatch/tasks?department=agriculture")
    await expect(page).to_have_url(re.compile(r"/tasks\?department=agriculture$"))
    await loaded(page)
    await expect(rows.filter(has_text=to_department)).to_have_count(1)
    await expect(rows.filter(has_text=to_township)).to_have_count(0)

    # Its menu: 调度 opens its tasks; no meetings tab, no unit or department filter.
    await page.goto(f"{workbench.url}/")
    await loaded(page)
    todo = page.locator('[data-test="task-todo"]', has_text=to_department)
    await expect(todo).to_contain_text("桐城市农业农村局")
    await snap(page, artefacts, "dispatch-department-home")
    # It declares nothing: no project counts, no 申报新项目.
    await expect(page.locator('[data-test="declare"]')).to_have_count(0)
    await expect(page.locator('[data-test="count-drafts"]')).to_have_count(0)
    assert int(await page.locator('[data-test="count-tasks-to-report"] strong').inner_text()) >= 1
    await expect(page.locator('[data-test="nav-directory"]')).to_have_count(0)
    await expect(page.locator('[data-test="nav-supervision"]')).to_have_count(0)
    await page.click('[data-test="nav-dispatch"]')
    await expect(page).to_have_url(re.compile(r"/tasks$"))
    await loaded(page)
    await expect(page.locator('[data-test="dispatch-tabs"]')).to_have_count(0)
    await expect(page.locator('[data-test="filter-unit"]')).to_have_count(0)
    await expect(page.locator('[data-test="filter-department"]')).to_have_count(0)
    mine = rows.filter(has_text=to_department)
    await expect(mine).to_have_count(1)
    await assignees_are(page, "桐城市农业农村局")
    await snap(page, artefacts, "dispatch-department-own-tasks")

    # Its task's page: the name, and the report form without attachments.
    await mine.click()
    await expect(page).to_have_url(re.compile(r"/tasks/[^/?]+$"))
    await loaded(page)
    await expect(page.locator('[data-test="task-assignee"]')).to_have_text("桐城市农业农村局")
    await expect(page.locator('[data-test="report-attachments"]')).to_have_count(0)
    await page.fill(field("report-text"), "已协调财政局拨付首批资金")
    await snap(page, artefacts, "dispatch-department-report")
    await page.click('[data-test="send-report"]')
    await expect(page.locator('[data-test="task-status"]')).to_have_text("待销号")
    await expect(page.locator('[data-test="task-report"]')).to_contain_text(
        "已协调财政局拨付首批资金"
    )
    await expect(page.locator('[data-test="send-report"]')).to_have_count(0)
