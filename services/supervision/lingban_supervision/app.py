from __future__ import annotations

from fastapi import FastAPI

from lingban_kit import divisions
from lingban_kit.clock import Clock
from lingban_kit.files.routes import upload_body_limits
from lingban_kit.files.store import ensure_indexes as ensure_file_indexes
from lingban_kit.files.sweep import orphan_sweep_loop
from lingban_kit.http import create_app as create_service_app
from lingban_kit.runtime import ServiceRuntime
from lingban_supervision.assessment.api import cases_router as model_cases_router
from lingban_supervision.assessment.api import router as assessment_router
from lingban_supervision.checks import checks_loop
from lingban_supervision.checks import router as operations_router
from lingban_supervision.contract import CONTRACT
from lingban_supervision.deps import OUTBOX_COLLECTIONS
from lingban_supervision.dispatch.api import router as dispatch_router
from lingban_supervision.dispatch.checks import dispatch_checks_loop
from lingban_supervision.files import router as files_router
from lingban_supervision.groups.api import router as groups_router
from lingban_supervision.handlers import handlers
from lingban_supervision.indexes import backfill_query_fields, ensure_indexes
from lingban_supervision.inspections.api import router as inspections_router
from lingban_supervision.problems.api import router as problems_router
from lingban_supervision.projects.api import router as inspectable_router
from lingban_supervision.sampling.api import router as samples_router
from lingban_supervision.settings import SupervisionSettings
from lingban_supervision.stationing.api import router as stationing_router
from lingban_supervision.visits.api import router as visits_router


def create_app(settings: SupervisionSettings | None = None, clock: Clock | None = None) -> FastAPI:
    settings = settings or SupervisionSettings()
    clock = clock or Clock()

    def wake_relay(collection: str, doc_id: object) -> None:
        runtime.wake_relay(collection, doc_id)  # bound once the runtime exists

    runtime = ServiceRuntime(
        settings,
        CONTRACT,
        outbox_collections=OUTBOX_COLLECTIONS,
        handlers=lambda db: handlers(db, wake_relay),
        on_start=[divisions.start_tree, ensure_indexes, ensure_file_indexes, backfill_query_fields],
        background=[
            checks_loop(clock),
            dispatch_checks_loop(clock),
            orphan_sweep_loop(),
            divisions.refresh_loop(),
        ],
    )
    app = create_service_app(
        runtime,
        title="领办 · 督导服务 (Lingban supervision)",
        description="督导组、督导计划、随机抽查、现场与暗访检查、扣分、整改、问题清单、驻点联系。",
        routers=[
            groups_router,
            samples_router,
            inspectable_router,
            inspections_router,
            problems_router,
            visits_router,
            stationing_router,
            dispatch_router,
            assessment_router,
            model_cases_router,
            operations_router,
            files_router,
        ],
        larger_bodies=upload_body_limits(settings),
    )
    app.state.clock = clock
    return app
