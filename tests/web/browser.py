"""What the browser tests share: page sizes, form helpers, sign-in, screenshots.

Every page is photographed at desktop (1280×800) and phone (390×844) size into
test-artefacts/workbench/ and must not overflow the phone's width.
"""

from __future__ import annotations

import re
from pathlib import Path

from playwright.async_api import Locator, Page, expect

from tests.web.conftest import Workbench

WAIT_MS = 60_000
SIZES = {"desktop": (1280, 800), "phone": (390, 844)}
NANPU = "340881001001"
NANPU_SECRETARY = "village_secretary@340881001001"  # 南铺社区书记, in 文昌街道
FANJI_SECRETARY = "village_secretary@340881001002"  # 畈集社区书记, also in 文昌街道
WENCHANG = "340881001000"
WENCHANG_SECRETARY = "township_secretary@340881001000"  # 文昌街道党委书记


def field(name: str) -> str:
    """The text box of a form field (Element Plus puts the attribute on the box itself)."""
    return (
        f'input[data-test="{name}"], textarea[data-test="{name}"], '
        f'[data-test="{name}"] input, [data-test="{name}"] textarea'
    )


def size_of(page: Page) -> str:
    viewport = page.viewport_size
    assert viewport is not None
    return "phone" if viewport["width"] < 768 else "desktop"


async def loaded(page: Page) -> None:
    await expect(page.locator("[data-state=loading]")).to_have_count(0)
    await expect(page.locator("[data-state=ready]")).not_to_have_count(0)
    await expect(page.locator(".el-loading-mask")).to_have_count(0)


async def snap(page: Page, artefacts: Path, name: str) -> None:
    """A full-page screenshot once the page has loaded; nothing may stick out on the right."""
    await loaded(page)
    # Passing toasts ("已保存") would cover the page in the picture.
    await page.evaluate("document.querySelectorAll('.el-message').forEach(m => m.remove())")
    # A full-page picture keeps fixed elements where the first screen had them: the
    # phone's tab bar would sit across the middle of a long page. For the picture of a
    # long page it goes to the end, where a user scrolling down meets it.
    await page.evaluate(
        "document.documentElement.scrollHeight > innerHeight && "
        "document.querySelectorAll('.tabbar').forEach(t => t.style.position = 'static')"
    )
    await page.screenshot(path=str(artefacts / f"{name}-{size_of(page)}.png"), full_page=True)
    await page.evaluate("document.querySelectorAll('.tabbar').forEach(t => t.style.position = '')")
    overflow = await page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{name} overflows the {size_of(page)} width by {overflow}px"


async def sign_in(page: Page, workbench: Workbench, user_id: str, then: str = "/") -> None:
    await page.goto(f"{workbench.url}{then}")
    await expect(page).to_have_url(re.compile(r"/sign-in"))
    await page.click(f'[data-test="demo-user-{user_id}"]')
    await expect(page.locator('[data-test="who"]')).to_be_visible()
    # Never a token in the address bar (history, logs, Referer).
    assert "token" not in page.url
    assert "eyJ" not in page.url


async def sign_out(page: Page) -> None:
    await page.click('[data-test="sign-out"]')
    await expect(page).to_have_url(re.compile(r"/sign-in"))


async def pick_option(page: Page, select: str, text: str | re.Pattern[str]) -> None:
    """Open the select `data-test=select` and click its option showing `text`."""
    await pick_from(page, page.locator(f'[data-test="{select}"]').first, text)


async def pick_from(page: Page, select_box: Locator, text: str | re.Pattern[str]) -> None:
    """Open `select_box` (an el-select) and click its option showing `text`.

    The option is looked up in this select's own list, the listbox its combobox
    controls: a dropdown opened just before may still be closing, with an item of the
    same text that stays "visible" long enough for a page-wide lookup to take it."""
    await select_box.click()
    listbox = await select_box.locator('[role="combobox"]').get_attribute("aria-controls")
    assert listbox, "the select names no listbox"
    options = page.locator(f'[id="{listbox}"] .el-select-dropdown__item', has_text=text)
    await options.first.click()


async def confirm(page: Page) -> None:
    """Answer 确定 in the confirmation box."""
    await page.locator(".el-message-box__btns .el-button--primary").click()


async def declare(page: Page, title: str) -> str:
    """Fill the declaration form, save it as a draft; returns the new project's id."""
    await page.fill(field("title"), title)
    await pick_option(page, "category", "人居环境")
    await page.fill(field("problem"), "村内主干道夜间无照明，群众出行不便。")
    await page.fill(field("goals"), "年内完成主干道路灯安装，夜间照明全覆盖。")
    await page.fill(field("criteria"), "路灯安装到位，群众满意度达到90%以上。")
    await page.fill(field("lead"), "张书记")
    await page.fill(field("task-force"), "李四\n王五")
    # The server's message shows next to the empty stage plan, and nothing typed is lost.
    await page.click('[data-test="save"]')
    await expect(page.get_by_text("至少需要一项按月阶段任务")).to_be_visible()
    await expect(page.locator(field("title"))).to_have_value(title)
    await page.click('[data-test="fill-months"]')
    rows = page.locator('[data-test="stage-row"]')
    count = await rows.count()
    assert count >= 1
    for i in range(count):
        await rows.nth(i).locator(field("stage-task")).fill(f"第{i + 1}阶段：安装路灯")
        await rows.nth(i).locator(field("stage-deliverable")).fill("路灯通电验收单")
    await page.click('[data-test="save"]')
    await expect(page).to_have_url(re.compile(r"/projects/[^/]+$"))
    await expect(page.locator('[data-test="project-status"]')).to_have_text("草稿")
    return page.url.rsplit("/", 1)[1]
