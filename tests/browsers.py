"""Debian's Chromium under Playwright, for every browser test (dashboard, workbench).

Registered for every test by `pytest_plugins` in `tests/conftest.py`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, async_playwright

CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags Chromium keeps dialling out of a closed network.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def chromium_binary() -> str:
    assert Path(CHROMIUM).is_file(), "Debian's chromium is missing: run `make browser`"
    return CHROMIUM


@pytest.fixture(scope="module")
async def browser(chromium_binary: str) -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=chromium_binary, args=CHROMIUM_ARGS
        )
        yield chromium
        await chromium.close()
