"""Stationed contact (驻点联系) in the workbench, at desktop and phone size.

文昌街道's roster of the year is set up through the API with a line for each screen
size. The township's staff open the roster, change their person's stationed day from
today — the old line then ends yesterday and stays in the person's history, the change
in the roster's changes — and open the month: the person with one day resided is
flagged below the minimum (a team member is not held to it). On the person's month
they tap the days resided and record them: the count follows, and the flag shows
exactly when the service says the rule is not met (the service may also hold a weekly
rule); a leave needs its reason, then shows, and so does the month's visit plan. A village secretary reads who is stationed
with them, without a button to change anything.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Page, expect

from lingban_kit.auth import Role
from tests.auth import auth
from tests.web.browser import (
    NANPU,
    NANPU_SECRETARY,
    WENCHANG,
    field,
    loaded,
    pick_from,
    sign_in,
    sign_out,
    size_of,
    snap,
)
from tests.web.conftest import Workbench

pytestmark = pytest.mark.integration

WENCHANG_STAFF = f"township_staff@{WENCHANG}"  # 文昌街道工作人员: keeps the roster
FANJI = "340881001002"  # 畈集社区
WEEKDAYS_ZH = "一二三四五六日"
# The residence minimum the services run with (LINGBAN_SUPERVISION_RESIDENCE_MIN_DAYS_PER_MONTH).
MIN_DAYS = 3


def _today() -> date:
    return date.today()


# The month recorded in: this month once it has three days behind it (residence is
# never in the future), else the one before; the roster is of that month's year.
MONTH_DAY = _today() if _today().day >= MIN_DAYS else _today().replace(day=1) - timedelta(days=1)
MONTH = MONTH_DAY.strftime("%Y-%m")
YEAR = MONTH_DAY.year
# A change takes effect today (after the line's first day, inside the roster's year).
EFFECTIVE = min(max(_today(), date(YEAR, 1, 2)), date(YEAR, 12, 31))
PEOPLE = {
    # person id: (name, position, village, weekday)
    "desktop": ("王立新", "mayor", FANJI, 4),
    "phone": ("陈晓东", "other_leader", NANPU, 2),
    "team": ("刘小兵", "team_member", NANPU, 3),
}


def line(person_id: str) -> dict[str, Any]:
    name, position, village, weekday = PEOPLE[person_id]
    return {
        "person_id": person_id,
        "name": name,
        "position": position,
        "village_code": village,
        "weekday": weekday,
        "valid_from": date(YEAR, 1, 1).isoformat(),
    }


async def roster_with_a_short_month(workbench: Workbench, person_id: str) -> str:
    """The township's roster (set up once for both sizes) and one day resided by the person."""
    headers = auth(Role.TOWNSHIP_STAFF, WENCHANG)
    async with httpx.AsyncClient(base_url=workbench.services["supervision"]) as http:
        body = {
            "township_code": WENCHANG,
            "year": YEAR,
            "assignments": [line(p) for p in PEOPLE],
            "villages": [{"village_code": NANPU, "households": 120}],
        }
        created = await http.post("/v1/rosters", json=body, headers=headers)
        assert created.status_code in (201, 409), created.text
        roster_id = f"{WENCHANG}-{YEAR}"
        resided = await http.post(
            f"/v1/rosters/{roster_id}/people/{person_id}/months/{MONTH}/residence",
            json={"days": [f"{MONTH}-01"]},
            headers=headers,
        )
        assert resided.status_code == 200, resided.text
        assert resided.json()["residence_met"] is False
        return roster_id


async def roster_line_of(workbench: Workbench, person_id: str) -> list[dict[str, Any]]:
    async with httpx.AsyncClient(base_url=workbench.services["supervision"]) as http:
        answer = await http.get(
            f"/v1/rosters/{WENCHANG}-{YEAR}", headers=auth(Role.TOWNSHIP_STAFF, WENCHANG)
        )
        assert answer.status_code == 200, answer.text
        return [a for a in answer.json()["assignments"] if a["person_id"] == person_id]


async def stationed_month(workbench: Workbench, person_id: str) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=workbench.services["supervision"]) as http:
        answer = await http.get(
            f"/v1/rosters/{WENCHANG}-{YEAR}/people/{person_id}/months/{MONTH}",
            headers=auth(Role.TOWNSHIP_STAFF, WENCHANG),
        )
        assert answer.status_code == 200, answer.text
        found: dict[str, Any] = answer.json()
        return found


async def test_a_roster_line_changed_keeps_its_history_and_a_short_residence_is_flagged(
    page: Page, workbench: Workbench, artefacts: Path
) -> None:
    size = size_of(page)
    person_id = size  # "desktop" or "phone": each size changes its own person
    name, _, _, weekday = PEOPLE[person_id]
    new_weekday = 5 if weekday != 5 else 1
    roster_id = await roster_with_a_short_month(workbench, person_id)

    # ---- the roster: change the person's stationed day from today -----------------
    await sign_in(page, workbench, WENCHANG_STAFF, then=f"/stationing?year={YEAR}")
    await loaded(page)
    await expect(page.locator('[data-test="tab-stationing"]')).to_be_visible()
    person = page.locator('[data-test="roster-person"]', has_text=name)
    await expect(person.locator('[data-test="line-weekday"]')).to_have_text(
        f"周{WEEKDAYS_ZH[weekday - 1]}"
    )
    await expect(person.locator('[data-test="line-history"]')).to_have_count(0)
    await snap(page, artefacts, "stationing-roster")
    await person.locator('[data-test="change-line"]').click()
    dialog = page.locator(".el-dialog:visible")
    await expect(dialog).to_have_count(1)
    await dialog.locator(f'[data-test="weekday-{new_weekday}"]').click()
    day_box = dialog.locator(field("change-effective-from"))
    await day_box.fill(EFFECTIVE.isoformat())
    await day_box.press("Enter")
    yesterday = (EFFECTIVE - timedelta(days=1)).isoformat()
    await expect(dialog.locator('[data-test="change-ends-on"]')).to_contain_text(yesterday)
    await dialog.locator(field("change-reason")).fill("工作调整，改为每周五驻点")
    await page.screenshot(path=str(artefacts / f"stationing-change-dialog-{size}.png"))
    await dialog.locator('[data-test="change-save"]').click()
    await expect(page.locator(".el-dialog:visible")).to_have_count(0)

    # The current line is the new one; the old one ended yesterday and is kept.
    await expect(person.locator('[data-test="line-weekday"]')).to_have_text(
        f"周{WEEKDAYS_ZH[new_weekday - 1]}"
    )
    history = person.locator('[data-test="history-line"]')
    await expect(history).to_have_count(1)
    await expect(history).to_contain_text(f"周{WEEKDAYS_ZH[weekday - 1]}")
    await expect(history.locator('[data-test="history-validity"]')).to_have_text(
        f"{YEAR}-01-01 至 {yesterday}"
    )
    change = page.locator('[data-test="roster-change"]', has_text=name)
    await expect(change).to_contain_text("调整")
    await expect(change).to_contain_text("工作调整，改为每周五驻点")
    await snap(page, artefacts, "stationing-roster-changed")
    lines = await roster_line_of(workbench, person_id)
    assert [(a["weekday"], a["valid_from"], a["valid_until"]) for a in lines] == [
        (weekday, f"{YEAR}-01-01", yesterday),
        (new_weekday, EFFECTIVE.isoformat(), None),
    ]

    # ---- the month (where a residence reminder links): one day is below the minimum
    await page.goto(f"{workbench.url}/rosters/{roster_id}/months/{MONTH}")
    await expect(page).to_have_url(re.compile(rf"/stationing/{roster_id}/months/{MONTH}$"))
    await loaded(page)
    residence = page.locator(f'[data-test="residence"][data-person="{person_id}"]:visible')
    await expect(residence).to_contain_text(f"1 / {MIN_DAYS} 天")
    await expect(residence.locator('[data-test="residence-flag"]')).to_have_text("未达标")
    # Flagged, so held to the rule: never also marked as not counted.
    await expect(residence.locator('[data-test="not-bound"]')).to_have_count(0)
    # A team member is not held to the rule in the figures: not flagged, not counted.
    team = page.locator('[data-test="residence"][data-person="team"]:visible')
    await expect(team).to_contain_text(f"0 / {MIN_DAYS} 天")
    await expect(team.locator('[data-test="residence-flag"]')).to_have_count(0)
    await expect(team.locator('[data-test="not-bound"]')).to_have_text("不计考核")
    await snap(page, artefacts, "stationing-month")

    # ---- the person's month: tap the days resided, record them; the flag goes -----
    await page.locator('[data-test="month-person"]:visible', has_text=name).click()
    await expect(page).to_have_url(re.compile(rf"/people/{person_id}/months/{MONTH}$"))
    await loaded(page)
    await expect(page.locator('[data-test="residence-flag"]')).to_have_text("未达标")
    await expect(page.locator(f'[data-test="day-{MONTH}-01"]')).to_be_disabled()  # recorded
    future = MONTH_DAY + timedelta(days=1)
    if future.strftime("%Y-%m") == MONTH:
        await expect(page.locator(f'[data-test="day-{future.isoformat()}"]')).to_be_disabled()
    for day in (2, 3):
        await page.click(f'[data-test="day-{MONTH}-{day:02d}"]')
    await expect(page.locator('[data-test="record-residence"]')).to_contain_text("登记住村 2 天")
    await snap(page, artefacts, "stationing-person-month")
    await page.click('[data-test="record-residence"]')
    await expect(page.locator('[data-test="residence-count"]')).to_contain_text(
        f"{MIN_DAYS} / {MIN_DAYS} 天"
    )
    met = (await stationed_month(workbench, person_id))["residence_met"]
    await expect(page.locator('[data-test="residence-flag"]')).to_have_count(0 if met else 1)
    await expect(page.locator('[data-test="residence-met"]')).to_have_count(1 if met else 0)

    # A leave: the reason is required (the service says so by the field), then it shows.
    first = page.locator(field("leave-first"))
    await first.fill(f"{MONTH}-01")
    await first.press("Enter")
    await page.keyboard.press("Escape")
    await page.click('[data-test="record-leave"]')
    reason_item = page.locator(".el-form-item", has=page.locator(field("leave-reason")))
    await expect(reason_item.locator(".el-form-item__error")).not_to_have_count(0)
    await page.fill(field("leave-reason"), "参加市委党校培训")
    await page.click('[data-test="record-leave"]')
    await expect(page.locator('[data-test="leave-line"]')).to_contain_text("参加市委党校培训")
    # The month's visit plan: one item on the first stationed day.
    await page.click('[data-test="plan-add"]')
    await page.fill(field("plan-area"), "老街片区")
    await page.click('[data-test="save-plan"]')
    await expect(page.locator(".el-message--success", has_text="走访计划已保存")).to_be_visible()
    await snap(page, artefacts, "stationing-person-month-recorded")

    # Back on the month: the days counted, flagged as the service says, the leave counted.
    await page.click('[data-test="back-to-month"]')
    await loaded(page)
    await expect(residence).to_contain_text(f"{MIN_DAYS} / {MIN_DAYS} 天")
    await expect(residence.locator('[data-test="residence-flag"]')).to_have_count(0 if met else 1)
    leave = page.locator(f'[data-test="leave"][data-person="{person_id}"]:visible')
    await expect(leave).to_contain_text("1 次")
    plan = page.locator(f'[data-test="plan"][data-person="{person_id}"]:visible')
    await expect(plan).to_contain_text("1 项")
    await sign_out(page)

    # ---- a village reads who is stationed with it; no button to change anything ----
    await sign_in(page, workbench, NANPU_SECRETARY, then=f"/stationing?year={YEAR}")
    await loaded(page)
    await expect(page.locator('[data-test="roster-person"]', has_text=name)).to_be_visible()
    await expect(page.locator('[data-test="change-line"]')).to_have_count(0)
    await expect(page.locator('[data-test="add-person"]')).to_have_count(0)
    await snap(page, artefacts, "stationing-roster-village")
    await page.goto(f"{workbench.url}/stationing/{roster_id}/people/{person_id}/months/{MONTH}")
    await loaded(page)
    await expect(page.locator('[data-test="read-only"]')).to_be_visible()
    await expect(page.locator('[data-test="record-residence"]')).to_have_count(0)
    await expect(page.locator('[data-test="record-leave"]')).to_have_count(0)


LONGTENG = "340881002000"  # 龙腾街道
FANBA = "340881002001"  # 畈坝社区, in 龙腾街道
CITY_ORG = "city_org@340881000000"


async def test_the_organisation_department_sets_up_a_roster_and_its_household_counts(
    page: Page, workbench: Workbench, artefacts: Path
) -> None:
    """A township without a roster: the city sets one up, then the households to cover.
    Each size sets up a year of its own (one roster per township and year)."""
    this_year = date.today().year
    year = this_year + 1 if size_of(page) == "desktop" else this_year - 1
    await sign_in(page, workbench, CITY_ORG, then=f"/stationing?year={year}&township={LONGTENG}")
    await loaded(page)
    await expect(page.locator('[data-test="no-roster"]')).to_contain_text(f"龙腾街道 {year} 年")
    await page.click('[data-test="create-roster"]')
    await expect(page).to_have_url(re.compile(r"/stationing/new\?"))
    await loaded(page)
    first = page.locator('[data-test="form-line"]').first
    await first.locator(field("line-name")).fill("赵建国")
    await pick_from(page, first.locator('[data-test="line-village"]'), "畈坝社区")
    await pick_from(page, first.locator('[data-test="line-weekday"]'), "周三")
    await snap(page, artefacts, "stationing-roster-form")
    await page.click('[data-test="form-save"]')
    # The second line, left empty, is not sent; the roster opens with the one person.
    await expect(page).to_have_url(re.compile(rf"/stationing\?.*year={year}"))
    await loaded(page)
    person = page.locator('[data-test="roster-person"]', has_text="赵建国")
    await expect(person.locator('[data-test="line-weekday"]')).to_have_text("周三")
    await expect(person).to_contain_text(f"{year}-01-01")
    await expect(page.locator('[data-test="roster-person"]')).to_have_count(1)

    # The households the visits must cover, per village.
    await page.click('[data-test="edit-villages"]')
    dialog = page.locator(".el-dialog:visible")
    await expect(dialog).to_have_count(1)
    households = dialog.locator(field(f"households-{FANBA}"))
    await households.fill("300")
    await households.press("Tab")
    await page.screenshot(path=str(artefacts / f"stationing-villages-dialog-{size_of(page)}.png"))
    await dialog.locator('[data-test="villages-save"]').click()
    await expect(page.locator(".el-dialog:visible")).to_have_count(0)
    await expect(page.locator('[data-test="roster-villages"]')).to_contain_text("户数 300")
    await expect(page.locator('[data-test="roster-change"]')).to_contain_text("户数更新")
    await snap(page, artefacts, "stationing-roster-new")

    # English is a click away: the tab, the position and the weekday.
    await page.get_by_role("button", name="English").click()
    await expect(page.locator('[data-test="tab-stationing"]')).to_have_text("Stationing")
    await expect(person.locator('[data-test="line-weekday"]')).to_have_text("Wed")
    await expect(person).to_contain_text("Party secretary")
    await snap(page, artefacts, "stationing-roster-en")
