"""The office ledgers from the workbench (issue 13): 导出 Excel saves the project ledger,
打印 opens its printable page — both fetched with the sign-in, none in a URL."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import pytest
from openpyxl import load_workbook  # type: ignore[import-untyped]
from playwright.async_api import Page, expect

from tests.web.browser import WAIT_MS, loaded, sign_in, size_of
from tests.web.conftest import Workbench

pytestmark = pytest.mark.integration

CITY_ORG = "city_org@340881000000"


async def test_the_project_ledger_downloads_and_prints(
    page: Page, workbench: Workbench, artefacts: Path
) -> None:
    await sign_in(page, workbench, CITY_ORG, then="/projects")
    await loaded(page)
    async with page.expect_download(timeout=WAIT_MS) as saving:
        await page.click('[data-test="ledger-xlsx"]')
    download = await saving.value
    assert download.suggested_filename.endswith(".xlsx")
    saved = await download.path()  # a temporary file without the .xlsx openpyxl wants
    book = load_workbook(io.BytesIO(await asyncio.to_thread(saved.read_bytes)))
    assert "项目清单" in str(book.active["A1"].value)

    async with page.context.expect_page(timeout=WAIT_MS) as opening:
        await page.click('[data-test="ledger-print"]')
    printable = await opening.value
    await expect(printable.locator("body")).to_contain_text("项目清单", timeout=WAIT_MS)
    assert printable.url.startswith("blob:")  # no token, no API address with a token
    await printable.screenshot(path=str(artefacts / f"ledger-print-{size_of(page)}.png"))
