"""What a container image relies on (services/Dockerfile): every service listens on all
interfaces when the image says so, and `python -m lingban_<service> --healthcheck`
asks the running service for /healthz on the port its own settings give it."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from lingban_kit.serve import healthcheck
from lingban_projects.settings import ProjectsSettings


class _Health(BaseHTTPRequestHandler):
    status = 200

    def do_GET(self) -> None:
        self.send_response(self.status if self.path == "/healthz" else 404)
        self.end_headers()

    def log_message(self, *args: object) -> None:  # quiet test output
        pass


@pytest.fixture
def health_server() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Health)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def test_loopback_unless_the_image_or_the_service_says_otherwise(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("LINGBAN_DEFAULT_HOST", raising=False)
    monkeypatch.delenv("LINGBAN_PROJECTS_HOST", raising=False)
    assert ProjectsSettings().host == "127.0.0.1"
    monkeypatch.setenv("LINGBAN_DEFAULT_HOST", "0.0.0.0")
    assert ProjectsSettings().host == "0.0.0.0"
    monkeypatch.setenv("LINGBAN_PROJECTS_HOST", "10.0.0.7")
    assert ProjectsSettings().host == "10.0.0.7"


def test_healthcheck_passes_only_on_a_200_from_healthz(health_server: ThreadingHTTPServer) -> None:
    port = health_server.server_address[1]
    assert healthcheck(ProjectsSettings(port=port)) == 0
    _Health.status = 503
    try:
        assert healthcheck(ProjectsSettings(port=port)) == 1
    finally:
        _Health.status = 200


def test_healthcheck_fails_when_nothing_listens() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Health)
    free_port = server.server_address[1]
    server.server_close()
    assert healthcheck(ProjectsSettings(port=free_port), timeout=1.0) == 1


def test_the_service_module_runs_the_healthcheck(health_server: ThreadingHTTPServer) -> None:
    port = str(health_server.server_address[1])
    env = {"LINGBAN_PROJECTS_PORT": port, "PATH": "/usr/bin:/bin"}
    ok = subprocess.run(
        [sys.executable, "-m", "lingban_projects", "--healthcheck"], env=env, timeout=60
    )
    assert ok.returncode == 0
    env["LINGBAN_PROJECTS_PORT"] = "1"  # nothing listens there
    failed = subprocess.run(
        [sys.executable, "-m", "lingban_projects", "--healthcheck"],
        env=env,
        timeout=60,
        capture_output=True,
        text=True,
    )
    assert failed.returncode == 1
    assert "/healthz" in failed.stderr
