from __future__ import annotations

from fastapi import FastAPI

from lingban_kit.http import create_app as create_service_app
from lingban_kit.runtime import ServiceRuntime
from lingban_reporting.contract import CONTRACT
from lingban_reporting.dashboard.api import router as dashboard_router
from lingban_reporting.projects.api import router as projects_router
from lingban_reporting.projects.projection import ProjectProjection
from lingban_reporting.settings import ReportingSettings


def create_app(settings: ReportingSettings | None = None) -> FastAPI:
    settings = settings or ReportingSettings()
    runtime = ServiceRuntime(
        settings, CONTRACT, handlers=lambda db: ProjectProjection(db).handlers()
    )
    return create_service_app(
        runtime,
        title="领办 · 统计报表服务 (Lingban reporting)",
        description="由事件构建的读模型、查询、通报导出与领导驾驶舱。",
        routers=[projects_router, dashboard_router],
    )
