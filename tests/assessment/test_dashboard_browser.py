"""The leaders' dashboard in headless Chromium shows the year-end assessment: the ranked
scores with ratings in Chinese, the praise and 约谈 lists with the talk held, the
model-case library; and a project's rating in Chinese."""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest
import uvicorn
from playwright.async_api import Browser, Page

from devstack.infra import Endpoints
from lingban_contracts import encode_record
from lingban_contracts.events.projects import ProjectEvaluated, Rating
from lingban_contracts.topics import NOTIFICATIONS, PROJECTS, SUPERVISION
from lingban_kit.auth import DEV_JWT_SECRET, Role
from lingban_kit.kafka import ensure_topics, new_producer, send_records
from lingban_kit.testing import group_at_end
from lingban_reporting.app import create_app
from lingban_reporting.settings import ReportingSettings
from tests.auth import token
from tests.reporting.project_world import World

from .stack import until
from .test_reporting_fold import CITY, TOWNSHIP, VILLAGE_A, assessment_events, case_events

pytestmark = pytest.mark.integration

WAIT_MS = 60_000


@pytest.fixture
async def served(infra: Endpoints) -> AsyncIterator[tuple[str, int, str]]:
    """The reporting app on a real port, fed one year's assessment through Kafka."""
    bootstrap = infra.kafka_bootstrap_servers
    topics = [PROJECTS, SUPERVISION, NOTIFICATIONS]
    await ensure_topics(bootstrap, [(t.name, t.partitions) for t in topics], 1)
    settings = ReportingSettings(
        kafka_bootstrap_servers=bootstrap,
        mongodb_uri=infra.mongodb_uri,
        mongodb_database=f"lingban_test_{uuid.uuid4().hex[:10]}",
        consumer_group=await group_at_end(
            bootstrap, f"assessment-dashboard-{uuid.uuid4().hex[:8]}", [t.name for t in topics]
        ),
        auth_jwt_secret=DEV_JWT_SECRET,
    )
    app = create_app(settings)
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on")
    )
    serving = asyncio.create_task(server.serve())
    while not server.started:
        if serving.done():
            serving.result()
        await asyncio.sleep(0.05)
    base_url = f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    year = random.randrange(2040, 2100)
    world = World(year=year)
    project = world.add(VILLAGE_A, "板凳议事会").approve().start().complete()
    project.emit(
        ProjectEvaluated(
            **project.ids(),
            governance_effect=95,
            problem_solved=92,
            plan_completed=90,
            total=92.3,
            rating=Rating.EXCELLENT,
            model_case=True,
            evaluated_at=datetime(year, 12, 1, tzinfo=UTC),
        )
    )
    events = world.events() + assessment_events(year) + case_events(year, suffix=str(year))
    producer = new_producer(bootstrap, "assessment-dashboard")
    await producer.start()
    try:
        await send_records(producer, [encode_record(e) for e in events])
        headers = {"Authorization": f"Bearer {token(Role.LEADER, CITY)}"}
        async with httpx.AsyncClient(base_url=base_url, headers=headers) as http:

            async def folded() -> bool:
                answer = await http.get("/v1/assessments", params={"year": year})
                library = await http.get("/v1/model-cases", params={"year": year})
                return answer.json()["talks_held"] == 1 and len(library.json()) == 1

            await until(folded, "reporting to fold the assessment")
        yield base_url, year, project.id
    finally:
        await producer.stop()
        await app.state.runtime.mongo_client.drop_database(settings.mongodb_database)
        server.should_exit = True
        await serving


@pytest.fixture
async def page(browser: Browser) -> AsyncIterator[Page]:
    context = await browser.new_context(
        viewport={"width": 1366, "height": 900}, locale="zh-CN", reduced_motion="reduce"
    )
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    await context.close()
    assert errors == [], f"the page raised: {errors}"


async def cells(page: Page, selector: str) -> list[list[str]]:
    rows: list[list[str]] = await page.eval_on_selector_all(
        f"{selector} tbody tr",
        "rows => rows.map(r => [...r.cells].map(c => c.textContent.trim()))",
    )
    return rows


async def test_the_leader_sees_the_assessment_and_ratings_in_chinese(
    served: tuple[str, int, str], page: Page
) -> None:
    base_url, year, project_id = served
    leader = token(Role.LEADER, CITY)
    await page.goto(f"{base_url}/dashboard?year={year}#token={leader}")
    await page.wait_for_selector(f"body[data-state=ready][data-region='{CITY}']", timeout=WAIT_MS)
    # The city's own score and its townships', ranked, with the rating in Chinese.
    assert (await cells(page, "#assessment-table"))[:2] == [
        ["1", "桐城市", "优秀", "100", "10"],
        ["1", "新渡镇", "—", "40", "4"],
    ]
    assert "已定稿" in await page.inner_text("#assessment-status")
    assert "12%" in await page.inner_text("#assessment-summary")
    assert "北塘村" in await page.inner_text("#praise-list")
    assert await cells(page, "#talks-table") == [
        ["凤岗村", "评价等次", f"{year + 1}-01-10 新渡镇党委书记"]
    ]
    library = await page.inner_text("#model-cases")
    assert "板凳议事会" in library
    assert "一项目一品牌" in library

    # Down to the village: its score among villages; then its project, rated 优秀.
    await page.click(f"#units-table tr[data-code='{TOWNSHIP}']")
    await page.wait_for_selector(
        f"body[data-state=ready][data-region='{TOWNSHIP}']", timeout=WAIT_MS
    )
    rows = await cells(page, "#assessment-table")
    assert ["1", "北塘村", "优秀", "95", "9.5"] in rows
    await page.click(f"#units-table tr[data-code='{VILLAGE_A}']")
    await page.wait_for_selector(
        f"body[data-state=ready][data-region='{VILLAGE_A}']", timeout=WAIT_MS
    )
    await page.click(f"#projects-table tr[data-project='{project_id}']")
    await page.wait_for_selector("#project-section:not([hidden])", timeout=WAIT_MS)
    details = await page.inner_text("#project-details")
    assert "优秀" in details
    assert "excellent" not in details
