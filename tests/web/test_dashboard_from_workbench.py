"""The leaders' dashboard from the workbench, with the same sign-in (issue 12).

A leader signs in on the workbench (dev sign-in), opens 驾驶舱 from the navigation
and reads the city's figures through the gateway: no token pasted, none in any URL,
the dashboard's scripts and API calls under the gateway's /api/reporting/ prefix.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from tests.web.browser import WAIT_MS, sign_in, size_of
from tests.web.conftest import Workbench

pytestmark = pytest.mark.integration

CITY_LEADER = "leader@340881000000"


async def test_a_leader_opens_the_dashboard_already_signed_in(
    page: Page, workbench: Workbench, artefacts: Path
) -> None:
    calls: list[str] = []
    page.on("request", lambda request: calls.append(request.url))
    await sign_in(page, workbench, CITY_LEADER)
    link = "nav-dashboard" if size_of(page) == "desktop" else "tab-dashboard"
    workbench_calls = len(calls)
    await page.click(f'[data-test="{link}"]')
    await expect(page).to_have_url(re.compile(r"/api/reporting/dashboard$"))
    # Signed in already: the figures load, the "no token" message never shows.
    await expect(page.locator("#figures .figure").first).to_be_visible(timeout=WAIT_MS)
    await expect(page.locator("#message")).to_be_hidden()
    await page.screenshot(
        path=str(artefacts / f"dashboard-from-workbench-{size_of(page)}.png"), full_page=True
    )
    api = [u for u in calls[workbench_calls:] if "/v1/" in u]
    assert api, "the dashboard called no API"
    assert all("/api/reporting/v1/" in u for u in api), api
    assert not any("token" in u or "eyJ" in u for u in calls)
    overflow = await page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    # And back to the workbench, still signed in.
    await page.click("#to-workbench")
    await expect(page.locator('[data-test="who"]')).to_be_visible(timeout=WAIT_MS)
