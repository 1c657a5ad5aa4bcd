"""The FastAPI app every service is built on: health, metrics, docs, errors."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.exceptions import HTTPException as StarletteHTTPException

from lingban_contracts.asyncapi import asyncapi_document
from lingban_kit import metrics
from lingban_kit.body_limit import BodySizeLimit
from lingban_kit.errors import FieldProblem, LingbanError, ValidationFailed
from lingban_kit.logging import accepted_correlation_id, correlation_id
from lingban_kit.openapi_errors import describe_errors
from lingban_kit.runtime import ServiceRuntime
from lingban_kit.schemas import AsyncApiDocument, Health, Readiness, ReadinessChecks

CORRELATION_HEADER = "X-Correlation-ID"


def request_language(request: Request) -> str:
    """Chinese first; English when the client asks for it."""
    accept = request.headers.get("accept-language", "").lower()
    return "en" if accept.startswith("en") else "zh"


def _field_path(loc: Sequence[Any]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path")]
    return ".".join(parts) or "body"


def install_error_handlers(app: FastAPI) -> None:
    async def on_lingban_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, LingbanError)
        return JSONResponse(
            exc.render(request_language(request)),
            status_code=exc.status_code,
            headers=exc.headers or None,
        )

    async def on_validation_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        problems = [
            FieldProblem(
                field=_field_path(e.get("loc", ())),
                message=str(e.get("msg")),
                message_en=str(e.get("msg")),
            )
            for e in exc.errors()
        ]
        error = ValidationFailed(
            message="提交的数据有误，请按提示修改后重试",
            message_en="The submitted data is invalid; fix the listed fields and retry",
            details=problems,
        )
        return await on_lingban_error(request, error)

    async def on_http_error(request: Request, exc: Exception) -> Response:
        # Starlette's and FastAPI's own refusals (a body that is not JSON, an unknown
        # route, a wrong method) answer in the same shape as every other error.
        assert isinstance(exc, StarletteHTTPException)
        if exc.status_code == 400:  # FastAPI: the body is not JSON (or not UTF-8)
            body = LingbanError(
                message="请求内容无法解析：须为 UTF-8 编码的 JSON",
                message_en="The request body could not be parsed: it must be JSON in UTF-8",
            ).render(request_language(request))
        else:
            body = {"error": {"code": "http_error", "message": str(exc.detail)}}
        return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)

    app.add_exception_handler(LingbanError, on_lingban_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)


def _install_observability(app: FastAPI, service: str) -> None:
    @app.middleware("http")
    async def observe(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        cid = accepted_correlation_id(request.headers.get(CORRELATION_HEADER))
        token = correlation_id.set(cid)
        started = time.perf_counter()
        try:
            response = await call_next(request)
        finally:
            correlation_id.reset(token)
        route = request.scope.get("route")
        template = getattr(route, "path", "unmatched")
        metrics.HTTP_REQUESTS.labels(service, request.method, template, response.status_code).inc()
        metrics.HTTP_LATENCY.labels(service, request.method, template).observe(
            time.perf_counter() - started
        )
        response.headers[CORRELATION_HEADER] = cid
        return response


def _ops_router(runtime: ServiceRuntime, *, docs: bool) -> APIRouter:
    router = APIRouter(tags=["operations"])

    @router.get("/healthz", summary="Liveness: the process is up")
    async def healthz() -> Health:
        return Health(status="ok", service=runtime.service)

    @router.get(
        "/readyz",
        summary="Readiness: the database is reachable and background loops run (Kafka: degraded)",
        responses={
            503: {
                "model": Readiness,
                "description": "The database is unreachable or a background loop is down",
            }
        },
        response_model_exclude_none=True,
    )
    async def readyz(response: Response) -> Readiness:
        checks = await runtime.readiness()
        ready = not any(v.startswith("error") for v in checks.values())
        degraded = any(v != "ok" for v in checks.values())
        if not ready:
            response.status_code = 503
        return Readiness(
            status="not_ready" if not ready else "degraded" if degraded else "ready",
            checks=ReadinessChecks.model_validate(checks),
        )

    @router.get("/metrics", summary="Prometheus metrics", include_in_schema=False)
    async def prometheus_metrics() -> Response:
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    if docs:

        @router.get("/asyncapi.json", summary="AsyncAPI 3.0 document of this service's topics")
        async def asyncapi() -> AsyncApiDocument:
            document = asyncapi_document(runtime.contract, runtime.settings.kafka_bootstrap_servers)
            return AsyncApiDocument.model_validate(document)

    return router


def create_app(
    runtime: ServiceRuntime,
    *,
    title: str,
    description: str,
    routers: Sequence[APIRouter] = (),
    version: str = "0.1.0",
    larger_bodies: Mapping[str, int] | None = None,
) -> FastAPI:
    """`larger_bodies`: exact paths allowed bodies over the default limit (upload routes)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await runtime.start()
        try:
            yield
        finally:
            await runtime.stop()

    docs = runtime.settings.docs_exposed()
    app = FastAPI(
        title=title,
        description=description,
        version=version,
        lifespan=lifespan,
        openapi_url="/openapi.json" if docs else None,
        docs_url="/docs" if docs else None,
        redoc_url="/redoc" if docs else None,
    )
    app.state.runtime = runtime
    install_error_handlers(app)
    # Inside the observability middleware, so a 413 is counted and carries the id.
    app.add_middleware(
        BodySizeLimit, max_bytes=runtime.settings.max_request_body_bytes, larger=larger_bodies
    )
    _install_observability(app, runtime.service)
    app.include_router(_ops_router(runtime, docs=docs))
    for router in routers:
        app.include_router(router)
    _document_errors(app)
    return app


def _document_errors(app: FastAPI) -> None:
    """The OpenAPI document lists the kit's error answers too (lingban_kit.openapi_errors)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = describe_errors(build())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
