"""Every route's success answer is described by a named schema in the OpenAPI document.

A web front end generates its API types from these documents: a route whose 2xx
answer is an untyped `dict` (an empty or free-form schema) would give it nothing.
JSON answers must be a component (`$ref`) or an array of one; other answers (CSV,
XLSX downloads) must name their media type and give a schema; HTML pages and
static assets are left out of the documents altogether.
"""

from __future__ import annotations

import importlib
from types import SimpleNamespace
from typing import Any, cast

import httpx
import pytest
from fastapi import FastAPI

from lingban_kit.http import create_app
from lingban_kit.runtime import ServiceRuntime
from lingban_kit.settings import ServiceSettings

SERVICES = ["projects", "supervision", "notifications", "reporting"]
METHODS = {"get", "post", "put", "patch", "delete"}


def service_openapi(service: str) -> dict[str, Any]:
    module = importlib.import_module(f"lingban_{service}.app")
    app: FastAPI = module.create_app()
    return app.openapi()


def untyped_answers(spec: dict[str, Any]) -> list[str]:
    """`METHOD path status media-type: why` for every 2xx answer without a proper schema."""
    components = spec.get("components", {}).get("schemas", {})

    def named(ref: str) -> bool:
        target = components.get(ref.removeprefix("#/components/schemas/"), {})
        return bool(target.get("properties") or target.get("anyOf") or target.get("enum"))

    problems: list[str] = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method not in METHODS:
                continue
            successes = {k: v for k, v in operation["responses"].items() if k.startswith("2")}
            if not successes:
                problems.append(f"{method.upper()} {path}: no 2xx answer documented")
            for status, answer in successes.items():
                where = f"{method.upper()} {path} {status}"
                content = answer.get("content", {})
                if not content:
                    if status != "204":
                        problems.append(f"{where}: no content (only 204 may have no body)")
                    continue
                for media_type, body in content.items():
                    schema = body.get("schema") or {}
                    if media_type != "application/json":
                        if not schema.get("type"):
                            problems.append(f"{where} {media_type}: no schema")
                        continue
                    ref = schema.get("$ref") or (
                        schema.get("items", {}).get("$ref")
                        if schema.get("type") == "array"
                        else None
                    )
                    if not ref:
                        problems.append(f"{where}: JSON not a model or a list of one: {schema}")
                    elif not named(ref):
                        problems.append(f"{where}: {ref} describes no fields")
    return problems


@pytest.mark.parametrize("service", SERVICES)
def test_every_success_answer_has_a_named_schema(service: str) -> None:
    assert untyped_answers(service_openapi(service)) == []


def test_the_check_catches_an_untyped_route() -> None:
    app = FastAPI()

    @app.get("/loose")
    async def loose() -> dict[str, Any]:
        return {}

    [problem] = untyped_answers(app.openapi())
    assert problem.startswith("GET /loose 200: JSON not a model or a list of one")


def test_kit_routes_are_documented_with_their_models() -> None:
    spec = service_openapi("projects")
    paths = spec["paths"]
    ok = paths["/readyz"]["get"]["responses"]
    assert ok["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/Readiness")
    assert ok["503"]["content"]["application/json"]["schema"]["$ref"].endswith("/Readiness")
    schemas = spec["components"]["schemas"]
    assert set(schemas["Health"]["required"]) == {"status", "service"}
    assert set(schemas["AsyncApiDocument"]["required"]) >= {"asyncapi", "channels", "components"}


class Runtime(SimpleNamespace):
    """What the operational routes use of a ServiceRuntime."""

    async def readiness(self) -> dict[str, str]:
        return cast(dict[str, str], self.checks)


@pytest.mark.parametrize(
    ("checks", "status_code", "status"),
    [
        ({"mongodb": "ok", "kafka": "ok"}, 200, "ready"),
        ({"mongodb": "error: ServerSelectionTimeoutError", "kafka": "ok"}, 503, "not_ready"),
        ({"mongodb": "ok", "kafka": "error: unreachable"}, 503, "not_ready"),
    ],
)
async def test_readiness_answers_its_model_with_200_or_503(
    checks: dict[str, str], status_code: int, status: str
) -> None:
    runtime = cast(
        ServiceRuntime, Runtime(service="kit-test", checks=checks, settings=ServiceSettings())
    )
    app = create_app(runtime, title="kit", description="kit")
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://kit") as client:
        ready = await client.get("/readyz")
        health = await client.get("/healthz")
    assert ready.status_code == status_code
    assert ready.json() == {"status": status, "checks": checks}
    assert health.json() == {"status": "ok", "service": "kit-test"}
