"""The dashboard in a real headless Chromium, on the real reporting service.

The reporting app runs in-process under uvicorn on an ephemeral port, on the real
database and broker; a small year of real project events goes through Kafka into
its projections; Playwright drives Debian's Chromium (`make test` installs it) to
check what a leader sees: the figures the events imply, the charts, the drill-down
city → township → village → project, the jurisdiction of a village token, live
refresh, and the printable bulletin.

Each run uses a year no earlier run left projects in (the service's fresh consumer group
reads the shared topics from the beginning), so the figures are this run's alone.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import httpx
import pytest
import uvicorn
from playwright.async_api import Browser, Page

from devstack.infra import Endpoints
from lingban_contracts import Envelope, encode_record
from lingban_contracts.divisions import default_tree
from lingban_kit.auth import DEV_JWT_SECRET, Role
from lingban_kit.kafka import new_producer, send_records
from lingban_reporting.app import create_app
from lingban_reporting.settings import ReportingSettings
from tests.auth import token
from tests.dispatch.builders import TOWNSHIP as DISPATCH_TOWNSHIP
from tests.dispatch.events import task_events
from tests.reporting.project_world import World

pytestmark = pytest.mark.integration

# Bounds on waiting for the service and the page, never speed assertions.
WAIT_MS = 60_000

CITY = "340881000000"
WENCHANG = "340881001000"  # 文昌街道
NANPU = "340881001001"  # 南铺社区, in 文昌街道
FANJI = "340881001002"  # 畈集社区, in 文昌街道
LONGTENG = "340881002000"  # 龙腾街道
FANBA = "340881002001"  # 畈坝社区, in 龙腾街道
LONGMIAN_VILLAGE = "340881003001"  # 金铺社区, in 龙眠街道


def build_world(year: int) -> World:
    world = World(year=year)
    months = [f"{world.year}-{m:02d}" for m in (4, 5, 6)]
    world.add(NANPU, "南铺道路硬化").approve().start().complete()
    world.add(NANPU, "南铺议事会", "基层治理").approve().start().miss_stage(months[0])
    world.add(FANJI, "畈集污水治理", "生态环保").approve()
    world.add(FANBA, "畈坝产业园", "产业发展").approve().start().miss_stage(months[1])
    world.add(FANBA, "畈坝养老服务").approve().start().complete()
    world.add(LONGMIAN_VILLAGE, "金铺文化广场", "乡村振兴")
    return world


@dataclass
class Served:
    base_url: str
    world: World
    publish: Callable[[list[Envelope]], Awaitable[None]]


@pytest.fixture(scope="module")
async def served(infra: Endpoints) -> AsyncIterator[Served]:
    """The reporting app on a real port, fed the world's events through Kafka."""
    settings = ReportingSettings(
        kafka_bootstrap_servers=infra.kafka_bootstrap_servers,
        mongodb_uri=infra.mongodb_uri,
        mongodb_database=f"lingban_test_{uuid.uuid4().hex[:10]}",
        consumer_group=f"test-dashboard-{uuid.uuid4().hex[:8]}",
        auth_jwt_secret=DEV_JWT_SECRET,
    )
    app = create_app(settings)
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on")
    )
    serving = asyncio.create_task(server.serve())
    while not server.started:
        if serving.done():
            serving.result()  # raises what stopped the server
        await asyncio.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    base_url = f"http://127.0.0.1:{port}"

    producer = new_producer(infra.kafka_bootstrap_servers, "test-dashboard")
    await producer.start()

    async def publish(events: list[Envelope]) -> None:
        await send_records(producer, [encode_record(e) for e in events])

    try:
        world = build_world(await an_unused_year(base_url))
        await publish(world.events())
        await wait_for_declared(base_url, world.year, len(world.projects))
        yield Served(base_url, world, publish)
    finally:
        await producer.stop()
        await app.state.runtime.mongo_client.drop_database(settings.mongodb_database)
        server.should_exit = True
        await serving


async def an_unused_year(base_url: str) -> int:
    """A year without projects once the service has caught up with the topics' backlog."""
    headers = {"Authorization": f"Bearer {token(Role.LEADER, CITY)}"}
    async with httpx.AsyncClient(base_url=base_url, headers=headers) as http:
        seen, steady = None, 0
        for _ in range(WAIT_MS // 250):
            fresh = (await http.get("/v1/freshness")).json()
            steady = steady + 1 if fresh == seen else 0
            seen = fresh
            if steady >= 4:  # nothing new applied for a second: caught up
                break
            await asyncio.sleep(0.25)
        for year in random.sample(range(2040, 2100), 20):
            response = await http.get("/v1/overview", params={"year": year})
            assert response.status_code == 200, response.text
            if response.json()["projects"]["declared"] == 0:
                return year
    raise AssertionError("every year tried already has projects")


async def wait_for_declared(base_url: str, year: int, count: int) -> None:
    """Until the projections have applied the events (the API shows `count` projects)."""
    headers = {"Authorization": f"Bearer {token(Role.LEADER, CITY)}"}
    declared = None
    async with httpx.AsyncClient(base_url=base_url, headers=headers) as http:
        for _ in range(WAIT_MS // 200):
            response = await http.get("/v1/overview", params={"year": year})
            if response.status_code == 200:
                declared = response.json()["projects"]["declared"]
                if declared == count:
                    return
            await asyncio.sleep(0.2)
    raise AssertionError(f"the read models show {declared} projects of {year}, expected {count}")


@pytest.fixture
async def page(browser: Browser) -> AsyncIterator[Page]:
    # Reduced motion: the charts draw without animation, so a bar is where a click lands.
    context = await browser.new_context(
        viewport={"width": 1366, "height": 900}, locale="zh-CN", reduced_motion="reduce"
    )
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    await context.close()
    assert errors == [], f"the page raised: {errors}"


async def open_dashboard(page: Page, served: Served, tok: str, *, poll: int = 10) -> None:
    url = f"{served.base_url}/dashboard?year={served.world.year}&poll={poll}#token={tok}"
    await page.goto(url)
    await page.wait_for_selector("body[data-state=ready]", timeout=WAIT_MS)


async def shown(page: Page, region: str) -> None:
    """Wait until the page shows `region`, loaded."""
    await page.wait_for_selector(f"body[data-state=ready][data-region='{region}']", timeout=WAIT_MS)


async def figures(page: Page) -> dict[str, str]:
    values: dict[str, str] = await page.eval_on_selector_all(
        "[data-figure]",
        "cards => Object.fromEntries(cards.map(c => [c.dataset.figure,"
        " c.querySelector('.value').textContent.trim()]))",
    )
    return values


def as_text(expected: dict[str, int]) -> dict[str, str]:
    return {k: str(v) for k, v in expected.items() if k != "overdue_stages"}


async def test_city_leader_sees_the_figures_charts_and_drills_down_to_a_project(
    served: Served, page: Page, tmp_path: Path
) -> None:
    world = served.world
    await open_dashboard(page, served, token(Role.LEADER, CITY))
    await shown(page, CITY)
    # The token left the address bar (it stays in this tab's sessionStorage).
    assert "token=" not in page.url

    # Overview figures equal what the events imply.
    city = world.figures(CITY)
    assert (await figures(page)).items() >= as_text(city).items()
    overdue_hint = await page.inner_text("[data-figure=overdue_projects] .hint")
    assert overdue_hint.endswith(str(city["overdue_stages"]))

    # The township chart rendered: a canvas of real size, and its series hold the figures.
    box = await page.locator("#chart-units canvas").first.bounding_box()
    assert box is not None
    assert box["width"] > 100
    assert box["height"] > 100
    chart = await page.evaluate(
        "() => { const o = echarts.getInstanceByDom(document.querySelector('#chart-units'))"
        ".getOption(); return {names: o.xAxis[0].data, declared: o.series[0].data}; }"
    )
    by_township = dict(zip(chart["names"], chart["declared"], strict=True))
    tree = default_tree()
    assert len(by_township) == len(tree.children(CITY))
    for code in (WENCHANG, LONGTENG):
        unit = tree.get(code)
        assert unit is not None
        assert by_township[unit.name] == world.figures(code)["declared"]
    categories = await page.evaluate(
        "() => echarts.getInstanceByDom(document.querySelector('#chart-categories'))"
        ".getOption().series[0].data.map(d => [d.name, d.value])"
    )
    assert sorted(categories) == sorted(
        [c, sum(1 for p in world.projects if p.category == c)]
        for c in {p.category for p in world.projects}
    )

    # Click 文昌街道's bar: the figures become the township's.
    index = chart["names"].index("文昌街道")
    bar = await page.evaluate(
        "i => echarts.getInstanceByDom(document.querySelector('#chart-units')).getModel()"
        ".getSeriesByIndex(0).getData().getItemLayout(i)",
        index,
    )
    canvas = await page.locator("#chart-units").bounding_box()
    assert canvas is not None
    x, y = canvas["x"] + bar["x"] + bar["width"] / 2, canvas["y"] + bar["y"] + bar["height"] / 2
    await page.mouse.move(x, y)  # ECharts picks the element under the pointer on hover
    await page.mouse.click(x, y)
    await shown(page, WENCHANG)
    assert (await figures(page)).items() >= as_text(world.figures(WENCHANG)).items()
    assert await page.inner_text("#breadcrumb") == "桐城市\n文昌街道"
    # Its villages: the one without a project is highlighted as such.
    no_project = page.locator("#units-table tr.uncovered", has_text="无项目")
    assert await no_project.count() == len(tree.children(WENCHANG)) - 2

    # Then a village (a table row), then one of its projects.
    await page.click(f"#units-table tr[data-code='{NANPU}']")
    await shown(page, NANPU)
    assert (await figures(page)).items() >= as_text(world.figures(NANPU)).items()
    titles = await page.locator("#projects-table tbody tr td:first-child").all_inner_texts()
    assert sorted(titles) == sorted(p.title for p in world.within(NANPU))
    await page.locator("#projects-table tr", has_text="南铺议事会").click()
    await page.wait_for_selector("#project-section:not([hidden])", timeout=WAIT_MS)
    assert await page.inner_text("#project-title") == "南铺议事会"
    details = await page.inner_text("#project-details")
    assert f"{world.year}-04" in details  # its overdue stage

    screenshot = tmp_path / "dashboard-village.png"
    await page.screenshot(path=str(screenshot), full_page=True)
    data = screenshot.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(data) > 10_000

    # The breadcrumb leads back to the city and its figures.
    await page.locator("#breadcrumb a", has_text="桐城市").click()
    await shown(page, CITY)
    assert (await figures(page)).items() >= as_text(city).items()


async def test_ranking_language_and_excel_bulletin(served: Served, page: Page) -> None:
    await open_dashboard(page, served, token(Role.LEADER, CITY))
    await shown(page, CITY)
    townships = len(default_tree().children(CITY))
    ranks = await page.locator("#ranking-table tbody tr td:first-child").all_inner_texts()
    assert ranks == [str(n) for n in range(1, townships + 1)]
    await page.select_option("#metric", "overdue_rate")
    await page.wait_for_function(
        "() => window.lingbanDashboard.metric === 'overdue_rate'"
        " && document.body.dataset.state === 'ready'",
        timeout=WAIT_MS,
    )
    assert await page.locator("#ranking-table tbody tr").count() == townships

    # The Excel bulletin downloads with the token (a plain link could not send it).
    async with page.expect_download(timeout=WAIT_MS) as started:
        await page.click("#bulletin-xlsx")
    download = await started.value
    assert download.suggested_filename.endswith(".xlsx")
    path = await download.path()
    assert path.read_bytes().startswith(b"PK")  # an OOXML zip

    # English on request; the figures stay.
    await page.click("#lang")
    await page.wait_for_function(
        "() => document.documentElement.lang === 'en' && document.body.dataset.state === 'ready'",
        timeout=WAIT_MS,
    )
    assert await page.inner_text("h1") == "Lingban · Leaders' dashboard"
    assert await page.inner_text("[data-figure=declared] .label") == "Declared"


async def test_a_village_secretary_sees_only_the_village(served: Served, page: Page) -> None:
    world = served.world
    await open_dashboard(page, served, token(Role.VILLAGE_SECRETARY, FANBA))
    await shown(page, FANBA)
    assert (await figures(page)).items() >= as_text(world.figures(FANBA)).items()
    assert await page.inner_text("#breadcrumb") == "畈坝社区"
    assert await page.is_hidden("#ranking-section")
    assert await page.is_hidden("#units-table-section")
    titles = await page.locator("#projects-table tbody tr td:first-child").all_inner_texts()
    assert sorted(titles) == sorted(p.title for p in world.within(FANBA))
    overdue = await page.locator("#overdue-table tbody").inner_text()
    assert "畈坝产业园" in overdue
    assert "南铺议事会" not in overdue


async def test_the_figures_follow_new_events_without_a_reload(served: Served, page: Page) -> None:
    world = served.world
    await open_dashboard(page, served, token(Role.LEADER, CITY), poll=1)
    await shown(page, CITY)
    before = int(await page.inner_text("[data-figure=declared] .value"))
    assert before == len(world.projects)
    late = world.add(LONGMIAN_VILLAGE, "金铺便民服务站")
    await served.publish(late.events)
    await page.wait_for_function(
        "n => document.querySelector('[data-figure=declared] .value').textContent.trim() === n",
        arg=str(before + 1),
        timeout=WAIT_MS,
    )


async def test_a_bad_token_gets_a_clear_chinese_message(served: Served, page: Page) -> None:
    await page.goto(f"{served.base_url}/dashboard#token=not-a-token")
    await page.wait_for_selector("body[data-state=denied]", timeout=WAIT_MS)
    assert "访问令牌" in await page.inner_text("#message")
    assert await page.is_visible("#token-input")


async def test_the_printable_bulletin_lists_every_township(served: Served, page: Page) -> None:
    year = served.world.year
    tok = token(Role.LEADER, CITY)
    await page.goto(f"{served.base_url}/bulletins/{year}-Q2/print#token={tok}")
    await page.wait_for_selector("body[data-state=ready]", timeout=WAIT_MS)
    title = await page.inner_text("#bulletin-title")
    assert title.startswith("桐城市")
    assert "通报" in title
    assert f"{year}-04-01" in await page.inner_text("#bulletin-meta")
    declared = await page.inner_text("[data-figure=declared] .value")
    assert declared == str(len(served.world.projects))
    rows = page.locator("#bulletin-table tbody tr")
    assert await rows.count() == len(default_tree().children(CITY))
    wenchang = await page.locator("#bulletin-table tbody tr", has_text="文昌街道").inner_text()
    assert wenchang.strip()
    pdf = await page.pdf(format="A4", landscape=True)
    assert pdf.startswith(b"%PDF")


async def test_the_pages_need_no_token_but_unknown_assets_are_404(served: Served) -> None:
    async with httpx.AsyncClient(base_url=served.base_url) as http:
        page = await http.get("/dashboard")
        assert page.status_code == 200
        assert "领导驾驶舱" in page.text
        echarts = await http.get("/dashboard/assets/vendor/echarts.min.js")
        assert echarts.status_code == 200
        assert len(echarts.content) > 100_000
        # `..` escaped so the client sends it as is: the router's own source stays private.
        outside = await http.get("/dashboard/assets/%2E%2E/api.py")
        assert outside.status_code == 404
        # A NUL in the name is a 404 too, not a 500 from the file system (LB-22).
        assert (await http.get("/dashboard/assets/a%00.js")).status_code == 404
        assert (await http.get("/bulletins/2026-Q5/print")).status_code == 422
        with contextlib.suppress(KeyError):
            assert (
                "未找到" in (await http.get("/dashboard/assets/nope.js")).json()["error"]["message"]
            )


async def test_on_a_phone_nothing_is_wider_than_the_screen(
    served: Served, browser: Browser
) -> None:
    """Leaders read the dashboard on their phones: no sideways scrolling of the page.

    Wide tables scroll inside their own card; the page itself stays 390 px wide.
    """
    context = await browser.new_context(
        viewport={"width": 390, "height": 844}, locale="zh-CN", reduced_motion="reduce"
    )
    page = await context.new_page()
    try:
        await open_dashboard(page, served, token(Role.LEADER, CITY))
        await shown(page, CITY)
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the page is {width} px wide on a 390 px screen"
        cards = await page.eval_on_selector_all(
            "[data-figure]", "cards => cards.map(c => c.getBoundingClientRect().right)"
        )
        assert cards
        assert max(cards) <= 390
    finally:
        await context.close()


async def test_the_dispatch_follow_up_and_stationing_cards_show_on_the_dashboard(
    served: Served, page: Page
) -> None:
    """Issue 16: the leaders see the assigned tasks' follow-up (一月一调度) and the
    stationed-contact card beside the assessment."""
    year = served.world.year
    run = uuid.uuid4().hex[:8]
    assigned, deadline = date(year, 3, 2), date(year, 3, 20)
    events = [
        *task_events(f"dash-{run}-1", DISPATCH_TOWNSHIP, assigned, deadline, "rc"),
        *task_events(f"dash-{run}-2", DISPATCH_TOWNSHIP, assigned, deadline, ""),
    ]
    await served.publish(events)
    await open_dashboard(page, served, token(Role.LEADER, CITY), poll=1)
    summary = page.locator("#dispatch-summary")
    await summary.filter(has_text="交办 2").wait_for(timeout=WAIT_MS)
    assert "已办结 1" in await summary.inner_text()
    assert "办结率 50" in await summary.inner_text()
    row = page.locator(f'#dispatch-table tr[data-code="{DISPATCH_TOWNSHIP}"]')
    assert (await row.locator("td").all_inner_texts())[1:3] == ["2", "1"]
    # The stationed-contact card names its month, township secretaries and mayors apart.
    await page.locator("#stationing-month").filter(has_text=f"{year}-").wait_for(timeout=WAIT_MS)
    rows = await page.locator("#stationing-table tbody tr td:first-child").all_inner_texts()
    assert rows == ["乡镇党委书记", "乡镇长"]
    shots = Path("test-artefacts/dashboard")
    await asyncio.to_thread(shots.mkdir, parents=True, exist_ok=True)
    cards = page.locator("#dispatch-section").locator("xpath=..")
    await cards.screenshot(path=str(shots / "dispatch-stationing.png"))
