"""The gateway's per-caller rate limits (infra/nginx/lingban.conf.template), on a real nginx.

The gateway runs as devstack starts it, but in front of a stand-in upstream that answers
every request with 200: the limits are the gateway's alone, and the test needs neither
the services nor the workbench build. Its process records live under their own state
name (LINGBAN_WEB_STATE moves it) and it listens on a free port, so it does not collide
with the web fixture or `make up`.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import tempfile
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from devstack import gateway

pytestmark = pytest.mark.integration

STATE = os.environ.get("LINGBAN_WEB_STATE", "test-web") + "-limits"

# The proxy in front of the gateway (the Ingress controller in k8s) whose X-Forwarded-For
# is believed; every other loopback address below is a client of its own.
PROXY = "127.0.0.5"

# The limits of lingban.conf.template (per caller): writes 5/s with a burst of 20,
# ledgers and bulletins 1/s with a burst of 5.
WRITE_BURST = 20
EXPENSIVE_BURST = 5


class _Upstream(BaseHTTPRequestHandler):
    """Every service: 200 with a small JSON body for any method and path."""

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        body = b'{"ok":true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _answer

    def log_message(self, format: str, *args: object) -> None:
        pass  # quiet: the test's output is the assertions


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def gateway_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", _free_port()), _Upstream)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    # Not under pytest's tmp folder (mode 0700): nginx's workers run as `nobody` when
    # the tests run as root, and must read the page.
    root = Path(tempfile.mkdtemp(prefix="lingban-gateway-limits-"))
    root.chmod(0o755)
    (root / "index.html").write_text("<div id=app></div>", encoding="utf-8")
    upstream = f"127.0.0.1:{server.server_address[1]}"
    try:
        url = gateway.start(
            STATE,
            _free_port(),
            dict.fromkeys(gateway.SERVICE_NAMES, upstream),
            root,
            trusted_proxy=f"{PROXY}/32",
        )
        try:
            yield url
        finally:
            gateway.stop(STATE)
    finally:
        server.shutdown()
        server.server_close()
        shutil.rmtree(root, ignore_errors=True)


def client(url: str, address: str) -> httpx.AsyncClient:
    """A client from its own loopback address, so that one test's requests do not
    use up the per-address budget (20/s, bursts of 40) of the next."""
    transport = httpx.AsyncHTTPTransport(local_address=address)
    return httpx.AsyncClient(base_url=url, transport=transport)


def bearer(name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer token-of-{name}"}


async def burst(
    http: httpx.AsyncClient, method: str, path: str, who: str, n: int
) -> list[httpx.Response]:
    """`n` requests at once (well inside one second), as one caller."""
    return list(
        await asyncio.gather(
            *(http.request(method, path, headers=bearer(who), json={}) for _ in range(n))
        )
    )


def statuses(responses: list[httpx.Response]) -> list[int]:
    return [r.status_code for r in responses]


async def test_a_burst_of_writes_limits_that_token_only(gateway_url: str) -> None:
    async with client(gateway_url, "127.0.0.2") as http:
        responses = await burst(http, "POST", "/api/projects/v1/projects", "alice", 30)
        codes = statuses(responses)
        # The burst allowance goes through, the rest is refused (a slow machine may
        # refill a token or two while the 30 requests are sent).
        assert codes.count(200) >= WRITE_BURST, codes
        assert codes.count(429) >= 5, codes
        assert set(codes) == {200, 429}, codes

        limited = next(r for r in responses if r.status_code == 429)
        assert limited.headers["content-type"].startswith("application/json")
        assert limited.headers["retry-after"] == "1"
        assert limited.json() == {
            "error": {
                "code": "rate_limited",
                "message": "请求过于频繁，请稍后再试",
                "message_en": "Too many requests; try again shortly",
            }
        }

        # Another caller from the same address still writes, and alice still reads.
        other = await http.post("/api/projects/v1/projects", headers=bearer("bob"), json={})
        assert other.status_code == 200, other.text
        read = await http.get("/api/projects/v1/projects", headers=bearer("alice"))
        assert read.status_code == 200, read.text


async def test_ledgers_and_bulletins_have_a_smaller_read_budget(gateway_url: str) -> None:
    async with client(gateway_url, "127.0.0.3") as http:
        codes = statuses(
            await burst(http, "GET", "/api/reporting/v1/ledgers/projects.xlsx", "carol", 10)
        )
        assert codes.count(429) >= 2, codes
        assert codes.count(200) >= EXPENSIVE_BURST, codes
        # The budget is shared by the ledgers and the bulletins.
        bulletin = await http.get("/api/reporting/v1/bulletins/2026-Q4", headers=bearer("carol"))
        assert bulletin.status_code == 429
        # Ordinary reads of the same caller and the same reads of another are not limited.
        ordinary = await burst(http, "GET", "/api/reporting/v1/overview", "carol", 10)
        assert statuses(ordinary) == [200] * 10
        other = await http.get("/api/reporting/v1/bulletins/2026-Q4", headers=bearer("dave"))
        assert other.status_code == 200, other.text


async def test_callers_without_a_token_are_limited_by_address(gateway_url: str) -> None:
    async with client(gateway_url, "127.0.0.4") as http:
        responses = await asyncio.gather(
            *(http.post("/api/notifications/v1/contacts", json={}) for _ in range(30))
        )
        codes = statuses(list(responses))
        # 30 is inside the address's general budget (bursts of 40): the refusals are
        # the write limit, keyed by the address when there is no token.
        assert codes.count(429) >= 5, codes
        assert codes.count(200) >= WRITE_BURST, codes


async def test_behind_the_trusted_proxy_each_forwarded_client_has_its_own_budget(
    gateway_url: str,
) -> None:
    async def writes(http: httpx.AsyncClient, forwarded_for: list[str]) -> list[int]:
        responses = await asyncio.gather(
            *(
                http.post("/api/projects/v1/projects", json={}, headers={"X-Forwarded-For": f})
                for f in forwarded_for
            )
        )
        return statuses(list(responses))

    callers = [f"198.51.100.{i}" for i in range(1, 31)]
    async with client(gateway_url, PROXY) as proxy:
        # 30 clients behind the proxy, one write each: nobody is over a limit.
        assert await writes(proxy, callers) == [200] * 30
        # One client behind the proxy writing 30 times is.
        assert (await writes(proxy, ["198.51.100.200"] * 30)).count(429) >= 5
    # Anyone else's X-Forwarded-For is ignored: it cannot buy itself new budgets.
    async with client(gateway_url, "127.0.0.6") as stranger:
        assert (await writes(stranger, callers)).count(429) >= 5
