"""The gateway (nginx, started by devstack) in front of the workbench and the services."""

from __future__ import annotations

import httpx
import pytest

from lingban_kit.auth import Role
from tests.auth import auth
from tests.web.conftest import Workbench

pytestmark = pytest.mark.integration

NANPU = "340881001001"


async def test_serves_the_workbench_with_security_headers(workbench: Workbench) -> None:
    async with httpx.AsyncClient(base_url=workbench.url) as http:
        index = await http.get("/")
        assert index.status_code == 200
        assert '<div id="app">' in index.text
        assert index.headers["x-content-type-options"] == "nosniff"
        assert index.headers["x-frame-options"] == "DENY"
        assert index.headers["referrer-policy"] == "no-referrer"
        csp = index.headers["content-security-policy"]
        assert "default-src 'self'" in csp
        assert "script-src 'self'" in csp
        assert "unsafe-eval" not in csp
        # A workbench route (a notice's link) is answered by the application.
        deep = await http.get("/projects/some-project-id")
        assert deep.status_code == 200
        assert deep.text == index.text
        assert "nginx/" not in deep.headers.get("server", "")


async def test_forwards_api_prefixes_to_each_service_with_the_prefix_stripped(
    workbench: Workbench,
) -> None:
    async with httpx.AsyncClient(base_url=workbench.url) as http:
        for service in ("projects", "supervision", "notifications", "reporting"):
            health = await http.get(f"/api/{service}/healthz")
            assert health.status_code == 200, (service, health.text)
            assert health.headers["x-content-type-options"] == "nosniff"
            spec = (await http.get(f"/api/{service}/openapi.json")).json()
            assert service in spec["info"]["title"], spec["info"]["title"]
        projects = await http.get(
            "/api/projects/v1/projects", headers=auth(Role.VILLAGE_SECRETARY, NANPU)
        )
        assert projects.status_code == 200, projects.text
        assert (await http.get("/api/projects/v1/projects")).status_code == 401
        assert (await http.get("/api/unknown/healthz")).status_code == 404


async def test_keeps_operations_endpoints_inside(workbench: Workbench) -> None:
    """Metrics and readiness are for Prometheus and the orchestrator, not the internet."""
    async with httpx.AsyncClient(base_url=workbench.url) as http:
        for service in ("projects", "supervision", "notifications", "reporting"):
            for path in ("metrics", "readyz"):
                response = await http.get(f"/api/{service}/{path}")
                assert response.status_code == 404, (service, path, response.text[:200])


async def test_dev_sign_in_is_reachable_through_the_gateway(workbench: Workbench) -> None:
    async with httpx.AsyncClient(base_url=workbench.url) as http:
        users = (await http.get("/api/projects/dev/sign-in/users")).json()
        village = next(u for u in users if u["region"] == NANPU)
        signed = await http.post("/api/projects/dev/sign-in", json={"user_id": village["id"]})
        assert signed.status_code == 200, signed.text
        token = signed.json()["access_token"]
        mine = await http.get(
            "/api/projects/v1/projects", headers={"Authorization": f"Bearer {token}"}
        )
        assert mine.status_code == 200


async def test_refuses_bodies_over_25_megabytes(workbench: Workbench) -> None:
    async with httpx.AsyncClient(base_url=workbench.url) as http:
        response = await http.post("/api/projects/v1/projects", content=b"x" * (26 * 1024 * 1024))
        assert response.status_code == 413
