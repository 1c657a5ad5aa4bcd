from __future__ import annotations

from fastapi import FastAPI

from lingban_kit import divisions
from lingban_kit.clock import Clock
from lingban_kit.http import create_app as create_service_app
from lingban_kit.runtime import ServiceRuntime
from lingban_reporting.assessment.api import router as assessment_router
from lingban_reporting.bulletins.api import router as bulletins_router
from lingban_reporting.contract import CONTRACT
from lingban_reporting.dashboard.api import router as dashboard_router
from lingban_reporting.dispatch.api import router as dispatch_router
from lingban_reporting.ledgers.api import router as ledgers_router
from lingban_reporting.live_consumer import consume, prepare
from lingban_reporting.overview.api import router as figures_router
from lingban_reporting.projects.api import router as projects_router
from lingban_reporting.settings import ReportingSettings
from lingban_reporting.stationing.api import router as stationing_router


def create_app(settings: ReportingSettings | None = None, clock: Clock | None = None) -> FastAPI:
    settings = settings or ReportingSettings()
    # No FastStream subscriber: the read models consume in batches (live_consumer).
    runtime = ServiceRuntime(
        settings,
        CONTRACT,
        on_start=[divisions.start_tree, prepare],
        background=[consume, divisions.refresh_loop()],
    )
    app = create_service_app(
        runtime,
        title="领办 · 统计报表服务 (Lingban reporting)",
        description="由事件构建的读模型、查询、通报导出与领导驾驶舱。",
        routers=[
            figures_router,
            projects_router,
            bulletins_router,
            ledgers_router,
            dispatch_router,
            stationing_router,
            assessment_router,
            dashboard_router,
        ],
    )
    app.state.clock = clock or Clock()
    return app
