"""The demo client: transient failures retried, lost answers checked, one clear error line."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from devstack.demo_api import Api, DemoError, Failure, endpoint
from tests.devstack.fakes import SECRET

TIMEOUT = Failure("timeout", "no answer in 60 s", True, True)
REFUSED = Failure("connection refused", "is the service running?", True, False)
UNAVAILABLE = Failure("503", "unavailable: 数据库暂不可用", True, False)


class ScriptedApi(Api):
    """Answers each attempt with the next scripted outcome; records the pauses."""

    def __init__(self, *outcomes: Any) -> None:
        self.pauses: list[float] = []
        super().__init__("http://scripted.invalid", SECRET, "contacts", sleep=self.pauses.append)
        self.outcomes = list(outcomes)
        self.attempts = 0

    def _attempt(self, method: str, path: str, token: str, body: Any, timeout: float) -> Any:
        self.attempts += 1
        return self.outcomes.pop(0)


def test_a_transient_failure_is_retried_with_growing_pauses() -> None:
    api = ScriptedApi(TIMEOUT, UNAVAILABLE, REFUSED, {"stored": 3})

    assert api.call("PUT", "/v1/contacts", "t", []) == {"stored": 3}
    assert api.pauses == [1.0, 2.0, 4.0]


def test_retries_run_out_into_one_error_line() -> None:
    api = ScriptedApi(UNAVAILABLE, UNAVAILABLE, UNAVAILABLE, UNAVAILABLE)

    with pytest.raises(DemoError) as failed:
        api.call("PUT", "/v1/contacts", "t", [])

    assert str(failed.value) == (
        "demo contacts: PUT /v1/contacts -> 503 unavailable: 数据库暂不可用 (tried 4 times); "
        "the rest of the demo is resumed by the next `make up`"
    )
    assert api.attempts == 4


@pytest.mark.parametrize(
    "answer",
    [
        Failure("422", "validation_failed: 申报内容有误", False, False),
        Failure("409", "invalid_transition: 项目当前为“已备案”", False, False),
        Failure("403", "forbidden: 只有上级单位可以办理", False, False),
    ],
)
def test_an_answer_that_will_not_change_is_not_retried(answer: Failure) -> None:
    api = ScriptedApi(answer)

    with pytest.raises(DemoError) as failed:
        api.call("POST", "/v1/projects/abc/filing", "t")

    assert f"-> {answer.status} {answer.message}; the rest" in str(failed.value)
    assert "tried" not in str(failed.value)
    assert api.attempts == 1


def test_a_lost_answer_is_checked_before_the_write_is_sent_again() -> None:
    api = ScriptedApi(TIMEOUT)  # a second attempt would fail: the script has none
    checks: list[str] = []

    def applied() -> dict[str, str] | None:
        checks.append("looked")
        return {"id": "p1", "status": "filed"}

    assert api.call("POST", "/v1/projects/p1/filing", "t", applied=applied) == {
        "id": "p1",
        "status": "filed",
    }
    assert (checks, api.attempts) == (["looked"], 1)


def test_a_write_that_did_not_take_effect_is_sent_again() -> None:
    api = ScriptedApi(TIMEOUT, {"id": "p1", "status": "filed"})

    assert api.call("POST", "/v1/projects/p1/filing", "t", applied=lambda: None)["status"] == (
        "filed"
    )
    assert api.attempts == 2


def test_a_refused_connection_never_took_effect_so_no_check_is_needed() -> None:
    api = ScriptedApi(REFUSED, {"ok": True})

    def applied() -> None:
        raise AssertionError("nothing reached the service: no need to look")

    assert api.call("POST", "/v1/visits", "t", {}, applied=applied) == {"ok": True}


def test_endpoints_group_calls_by_shape() -> None:
    assert endpoint("/v1/projects/" + "a" * 32 + "/stages/2026-03/reports") == (
        "/v1/projects/{id}/stages/{month}/reports"
    )
    assert endpoint("/v1/inspections/" + "b" * 32 + "-r?x=1") == "/v1/inspections/{id}"
    assert endpoint("/v1/projects?year=2026&limit=500") == "/v1/projects"


# ---- over real HTTP ------------------------------------------------------------------------


class Service(BaseHTTPRequestHandler):
    """Answers each request with the next (status, body) of the server's script."""

    def do_PUT(self) -> None:
        length = int(self.headers["Content-Length"])
        self.server.received.append(json.loads(self.rfile.read(length)))  # type: ignore[attr-defined]
        status, body = self.server.script.pop(0)  # type: ignore[attr-defined]
        raw = json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def server() -> Iterator[ThreadingHTTPServer]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Service)
    httpd.script = []  # type: ignore[attr-defined]
    httpd.received = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def api_for(server: ThreadingHTTPServer) -> Api:
    host, port = server.server_address[:2]
    return Api(f"http://{host!s}:{port}", SECRET, "contacts", sleep=lambda seconds: None)


def test_over_http_a_503_is_retried_and_the_answer_decoded(server: ThreadingHTTPServer) -> None:
    server.script += [  # type: ignore[attr-defined]
        (503, {"error": {"code": "unavailable", "message": "稍后再试"}}),
        (200, {"stored": 1}),
    ]
    api = api_for(server)

    assert api.call("PUT", "/v1/contacts", "t", [{"id": "c1", "name": "书记"}]) == {"stored": 1}
    assert server.received == [[{"id": "c1", "name": "书记"}]] * 2  # type: ignore[attr-defined]
    assert api.stats.total_calls == 1


def test_over_http_the_services_error_becomes_the_message(server: ThreadingHTTPServer) -> None:
    server.script += [  # type: ignore[attr-defined]
        (422, {"error": {"code": "validation_failed", "message": "联系人编号不一致"}})
    ]

    with pytest.raises(DemoError) as failed:
        api_for(server).call("PUT", "/v1/contacts", "t", [])

    assert "PUT /v1/contacts -> 422 validation_failed: 联系人编号不一致;" in str(failed.value)


def test_over_http_nothing_listening_is_a_refused_connection() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    api = Api(f"http://127.0.0.1:{port}", SECRET, "projects", sleep=lambda seconds: None)

    with pytest.raises(DemoError) as failed:
        api.call("GET", "/v1/projects?year=2026", "t")

    assert str(failed.value).startswith(
        "demo projects: GET /v1/projects?year=2026 -> connection refused is the service running?"
    )
