"""The workbench as `make up` serves it: the four services as processes behind the gateway.

The services run as separate processes (as in tests/e2e) on their own ports, each on a
fresh database, with dev sign-in on; devstack's gateway (nginx) listens on the test
profile's gateway port and fronts them, serving the built workbench (web/workbench/dist,
built by `make setup`). Process records live under `.devstack/test-web/`, apart from the
e2e platform's, so both can run in one session.
"""

from __future__ import annotations

import asyncio
import importlib
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page

from devstack import gateway
from devstack.infra import Endpoints
from devstack.profiles import get_profile
from devstack.services import HOST, SERVICES, ServiceSpec, start_services, stop_services
from lingban_contracts.registry import REGISTRY
from lingban_kit.auth import DEV_JWT_SECRET
from lingban_kit.kafka import ensure_topics
from tests.faults.lag import admin_security, start_at_end

# .devstack/test-web/: pid files and logs of these processes; movable (with the ports and
# DEVSTACK_GATEWAY_PORT) so that two runs on one machine do not share processes.
STATE = os.environ.get("LINGBAN_WEB_STATE", "test-web")
# Away from make up (8001-8004) and tests/e2e (18001-18004); movable for parallel runs.
PORT_OFFSET = int(os.environ.get("LINGBAN_WEB_PORT_OFFSET", "12000"))
WEB_SERVICES = tuple(ServiceSpec(s.name, s.module, s.port + PORT_OFFSET) for s in SERVICES)
SERVICES_BY_NAME = {s.name: s for s in WEB_SERVICES}
ROOT = Path(__file__).resolve().parents[2]
ARTEFACTS = Path(os.environ.get("LINGBAN_TEST_ARTEFACTS", ROOT / "test-artefacts")) / "workbench"


@dataclass(frozen=True)
class Workbench:
    url: str  # the gateway, e.g. http://127.0.0.1:18000
    services: dict[str, str]  # each service's own base URL


async def groups_at_end(infra: Endpoints, run: str) -> dict[str, str]:
    """This run's own consumer groups, committed at the end of the topics they read.

    With the default groups (`lingban-<service>`), another platform's service on the
    shared broker (tests/e2e, `make up`) takes a share of the partitions and handles
    this run's events in its own database; a fresh group from the earliest offset
    would first read every event earlier suites left."""
    groups: dict[str, str] = {}
    for spec in WEB_SERVICES:
        contract = importlib.import_module(f"lingban_{spec.name}.contract").CONTRACT
        topics = {REGISTRY.for_type(t).topic for t in contract.receives}
        if not topics:
            continue
        await ensure_topics(
            infra.kafka_bootstrap_servers,
            [(t.name, t.partitions) for t in topics],
            1,
            admin_security(infra),
        )
        groups[spec.name] = f"lingban-{spec.name}-web-{run}"
        await start_at_end(infra, groups[spec.name], sorted(t.name for t in topics))
    return groups


@pytest.fixture(scope="session")
def workbench(infra: Endpoints) -> Iterator[Workbench]:
    assert (gateway.workbench_dist() / "index.html").is_file(), (
        "the workbench is not built: run `make setup` (npm run build in web/workbench)"
    )
    run = uuid.uuid4().hex[:8]
    gateway_port = get_profile("test").gateway_port
    extra_env = {
        "LINGBAN_AUTH_JWT_SECRET": DEV_JWT_SECRET,
        "LINGBAN_ENV": "dev",
        "LINGBAN_DEV_SIGN_IN": "true",
        **gateway.workbench_url_env(gateway_port),
    }
    for spec in WEB_SERVICES:
        extra_env[f"{spec.env_prefix}MONGODB_DATABASE"] = f"lingban_web_{run}_{spec.name}"
    for name, group in asyncio.run(groups_at_end(infra, run)).items():
        extra_env[f"{SERVICES_BY_NAME[name].env_prefix}CONSUMER_GROUP"] = group
    urls = start_services(STATE, infra, WEB_SERVICES, extra_env=extra_env)
    try:
        url = gateway.start(
            STATE,
            gateway_port,
            {spec.name: f"{HOST}:{spec.port}" for spec in WEB_SERVICES},
        )
        try:
            yield Workbench(url=url, services=urls)
        finally:
            gateway.stop(STATE)
    finally:
        stop_services(STATE, WEB_SERVICES)


@pytest.fixture(scope="session")
def artefacts() -> Path:
    """Where the screenshots go (git-ignored); LINGBAN_TEST_ARTEFACTS moves it."""
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    ignore = ARTEFACTS.parent / ".gitignore"
    if not ignore.exists():
        ignore.write_text("*\n", encoding="utf-8")
    return ARTEFACTS


@pytest.fixture(params=["desktop", "phone"])
async def page(request: pytest.FixtureRequest, browser: Browser) -> AsyncIterator[Page]:
    """A fresh tab at desktop (1280×800) or phone (390×844) size; a page error fails the test."""
    from tests.web.browser import SIZES, WAIT_MS

    width, height = SIZES[request.param]
    context = await browser.new_context(
        viewport={"width": width, "height": height},
        locale="zh-CN",
        reduced_motion="reduce",
        has_touch=request.param == "phone",
    )
    context.set_default_timeout(WAIT_MS)
    tab = await context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    yield tab
    await context.close()
    assert errors == [], f"the page raised: {errors}"
