"""Production sign-in: the workbench against a real OpenID provider (code flow with PKCE).

The provider is panva's oidc-provider (a certified OP; a devDependency of the workbench,
web/workbench/scripts/test-oidc-provider.mjs) with a public client that must use PKCE and
one test account. One service — projects — runs as a process that verifies tokens only
through the provider's JWKS (dev sign-in off), behind devstack's gateway, which serves
the built workbench with /config.json naming the provider. The other services are not
needed for signing in and are left out to spare the machine.

Chromium goes through the provider's own login and consent pages and comes back signed
in; the service answers the workbench's call with the provider's token. No token is ever
in an address, the gateway's access log or the console; a forged answer is refused; an
expired sign-in sends the user through the provider again and the draft is still there.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.async_api import Page, Response, expect

from devstack import gateway, paths, probes
from devstack.infra import Endpoints
from devstack.services import HOST, ServiceSpec, start_services, stop_services
from tests.web.browser import NANPU, field, loaded, sign_out, snap
from tests.web.conftest import PORT_OFFSET, ROOT, STATE

pytestmark = pytest.mark.integration

OIDC_STATE = f"{STATE}-oidc"  # .devstack/test-web-oidc/: this test's processes and logs
PROVIDER_PORT = 8090 + PORT_OFFSET
GATEWAY_PORT = 8095 + PORT_OFFSET
PROJECTS = ServiceSpec("projects", "lingban_projects", 8011 + PORT_OFFSET)
SCRIPT = ROOT / "web" / "workbench" / "scripts" / "test-oidc-provider.mjs"
CLIENT_ID = "lingban-workbench"
AUDIENCE = "lingban"
ACCOUNT = "wang.fang"  # the provider's test account: 南铺社区书记
ACCOUNT_NAME = "王芳"
ACCOUNTS = {ACCOUNT: {"name": ACCOUNT_NAME, "roles": ["village_secretary"], "region": NANPU}}
STARTUP_SECONDS = 30.0


@dataclass(frozen=True)
class OidcWorkbench:
    url: str  # the gateway
    issuer: str  # the provider
    access_log: Path  # the gateway's


def _wait_for_provider(process: subprocess.Popen[bytes], issuer: str, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while not probes.http_ok(f"{issuer}/.well-known/openid-configuration"):
        if process.poll() is not None or time.monotonic() > deadline:
            raise AssertionError(f"the OpenID provider did not start:\n{log.read_text()}")
        time.sleep(0.2)


@pytest.fixture(scope="module")
def oidc_workbench(infra: Endpoints) -> Iterator[OidcWorkbench]:
    node = shutil.which("node")
    assert node, "node is missing (it builds the workbench; `make setup`)"
    assert (SCRIPT.parent.parent / "node_modules" / "oidc-provider").is_dir(), (
        "oidc-provider is not installed: run `make setup` (npm ci in web/workbench)"
    )
    issuer = f"http://{HOST}:{PROVIDER_PORT}"
    url = f"http://{HOST}:{GATEWAY_PORT}"
    folder = paths.created(paths.profile_dir(OIDC_STATE))
    log = folder / "oidc-provider.log"
    with log.open("wb") as out:
        provider = subprocess.Popen(
            [node, str(SCRIPT)],
            cwd=SCRIPT.parent.parent,
            stdout=out,
            stderr=subprocess.STDOUT,
            env={
                **os.environ,
                "OIDC_PORT": str(PROVIDER_PORT),
                "OIDC_CLIENT_ID": CLIENT_ID,
                "OIDC_REDIRECT_URI": f"{url}/sign-in/callback",
                "OIDC_AUDIENCE": AUDIENCE,
                "OIDC_ACCOUNTS": json.dumps(ACCOUNTS),
            },
        )
    try:
        _wait_for_provider(provider, issuer, log)
        start_services(
            OIDC_STATE,
            infra,
            [PROJECTS],
            extra_env={
                "LINGBAN_AUTH_JWKS_URL": f"{issuer}/jwks",
                "LINGBAN_AUTH_ISSUER": issuer,
                "LINGBAN_AUTH_AUDIENCE": AUDIENCE,
                "LINGBAN_DEV_SIGN_IN": "false",
                f"{PROJECTS.env_prefix}MONGODB_DATABASE": f"lingban_web_oidc_{uuid.uuid4().hex[:8]}",
            },
        )
        try:
            nothing = f"{HOST}:9"  # the other services are not part of this test
            gateway.start(
                OIDC_STATE,
                GATEWAY_PORT,
                {
                    "projects": f"{HOST}:{PROJECTS.port}",
                    "supervision": nothing,
                    "notifications": nothing,
                    "reporting": nothing,
                },
                oidc={"ISSUER": issuer, "CLIENT_ID": CLIENT_ID, "SCOPE": "openid profile lingban"},
            )
            try:
                yield OidcWorkbench(
                    url=url, issuer=issuer, access_log=folder / "gateway" / "access.log"
                )
            finally:
                gateway.stop(OIDC_STATE)
        finally:
            stop_services(OIDC_STATE, [PROJECTS])
    finally:
        provider.terminate()
        provider.wait(timeout=10)


def _claims(token: str) -> dict[str, object]:
    payload = token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))


async def _through_the_provider(page: Page, wb: OidcWorkbench) -> None:
    """The provider's own pages: its login (any password for the test account), its consent."""
    await expect(page).to_have_url(re.compile(rf"^{re.escape(wb.issuer)}/interaction/"))
    await page.fill('input[name="login"]', ACCOUNT)
    await page.fill('input[name="password"]', "not-checked-by-the-test-provider")
    await page.click('button[type="submit"]')
    await expect(page.locator('button[type="submit"]', has_text="Continue")).to_be_visible()
    await page.click('button[type="submit"]')


async def test_signs_in_at_the_provider_and_a_service_accepts_its_token(
    page: Page, oidc_workbench: OidcWorkbench, artefacts: Path
) -> None:
    wb = oidc_workbench
    addresses: list[str] = []
    responses: list[Response] = []
    console: list[str] = []
    page.on("request", lambda r: addresses.append(r.url))
    page.on("response", lambda r: responses.append(r))
    page.on("console", lambda m: console.append(m.text))

    # The declaration form asks for a sign-in: the unified one, no demo users.
    await page.goto(f"{wb.url}/projects/new")
    await expect(page).to_have_url(re.compile(r"/sign-in\?next="))
    button = page.locator('[data-test="oidc-sign-in"]')
    await expect(button).to_have_text("使用统一身份认证登录")
    await loaded(page)
    await expect(page.locator('[data-test^="demo-user-"]')).to_have_count(0)
    await expect(page.locator(".el-alert--error")).to_have_count(0)
    await snap(page, artefacts, "oidc-sign-in")

    await button.click()
    await _through_the_provider(page, wb)
    # Back where the user was going, signed in as the provider's account; the code and
    # state are gone from the address bar.
    await expect(page.locator('[data-test="who"]')).to_have_text(ACCOUNT_NAME)
    await expect(page).to_have_url(f"{wb.url}/projects/new")

    # The workbench called the projects service with the provider's access token, and the
    # service, which knows the provider only by its JWKS, answered.
    units = [r for r in responses if "/api/projects/v1/units" in r.url]
    assert units
    assert [r.status for r in units] == [200] * len(units)
    bearer = await units[0].request.header_value("authorization")
    assert bearer
    assert bearer.startswith("Bearer ")
    token = bearer.removeprefix("Bearer ")
    claims = _claims(token)
    assert claims["iss"] == wb.issuer
    assert claims["aud"] == AUDIENCE
    assert claims["sub"] == ACCOUNT
    assert claims["roles"] == ["village_secretary"]
    assert claims["region"] == NANPU
    # The code was exchanged with the PKCE verifier at the token endpoint, by the browser.
    code_requests = [a for a in addresses if a.startswith(f"{wb.issuer}/auth?")]
    assert code_requests
    assert "code_challenge_method=S256" in code_requests[0]
    assert "nonce=" in code_requests[0]
    assert "state=" in code_requests[0]

    # A draft typed now survives an expired sign-in and another round at the provider.
    title = "南铺社区主干道夜间照明（统一认证）"
    await page.fill(field("title"), title)
    await page.evaluate(
        """() => {
          const stored = JSON.parse(sessionStorage.getItem("lingban.session"));
          stored.expiresAt = Date.now() - 1000;
          sessionStorage.setItem("lingban.session", JSON.stringify(stored));
        }"""
    )
    await page.reload()
    await expect(page).to_have_url(re.compile(r"/sign-in\?next=(/|%2F)projects(/|%2F)new"))
    await page.click('[data-test="oidc-sign-in"]')
    # The provider remembers the session and the consent: straight back.
    await expect(page.locator('[data-test="who"]')).to_have_text(ACCOUNT_NAME)
    await expect(page).to_have_url(f"{wb.url}/projects/new")
    await expect(page.locator(field("title"))).to_have_value(title)

    # Signing out forgets the token; nothing of the exchange is left in the tab.
    await sign_out(page)
    left = await page.evaluate(
        "Object.keys(sessionStorage).filter(k => k === 'lingban.session' || k.startsWith('lingban.oidc.'))"
    )
    assert left == []

    # Never a token in an address, the gateway's log or the console.
    for text in [*addresses, page.url, wb.access_log.read_text(encoding="utf-8"), *console]:
        assert token not in text
        assert "access_token" not in text
        assert "id_token=" not in text
    callbacks = [a for a in addresses if "/sign-in/callback?" in a]
    assert callbacks
    assert all("code=" in a for a in callbacks)


async def test_a_forged_answer_is_refused_and_leaves_the_address_bar(
    page: Page, oidc_workbench: OidcWorkbench
) -> None:
    await page.goto(f"{oidc_workbench.url}/sign-in/callback?code=stolen&state=forged")
    await expect(page.locator('[data-test="oidc-failure"]')).to_contain_text(
        "统一身份认证登录未完成"
    )
    assert "code=" not in page.url
    assert "state=" not in page.url
    await expect(page.locator('[data-test="who"]')).to_have_count(0)
