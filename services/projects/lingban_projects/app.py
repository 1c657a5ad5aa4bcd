from __future__ import annotations

from fastapi import FastAPI

from lingban_kit import divisions
from lingban_kit.clock import Clock
from lingban_kit.dev_sign_in import mount_dev_sign_in
from lingban_kit.files.routes import router as files_router
from lingban_kit.files.routes import upload_body_limits
from lingban_kit.files.store import ensure_indexes as ensure_file_indexes
from lingban_kit.files.sweep import orphan_sweep_loop
from lingban_kit.http import create_app as create_service_app
from lingban_kit.runtime import ServiceRuntime
from lingban_projects.contract import CONTRACT
from lingban_projects.projects.api import router as projects_router
from lingban_projects.projects.daily_checks import daily_checks_loop
from lingban_projects.projects.daily_checks import router as operations_router
from lingban_projects.projects.repository import (
    PROJECTS_COLLECTION,
    backfill_region_path,
    ensure_indexes,
)
from lingban_projects.settings import ProjectsSettings
from lingban_projects.units import repository as units_repository
from lingban_projects.units.api import IMPORT_MAX_BYTES, IMPORT_PATH
from lingban_projects.units.api import router as units_router
from lingban_projects.units.transfers import finish_transfers


def create_app(settings: ProjectsSettings | None = None, clock: Clock | None = None) -> FastAPI:
    settings = settings or ProjectsSettings()
    clock = clock or Clock()
    runtime = ServiceRuntime(
        settings,
        CONTRACT,
        outbox_collections=[PROJECTS_COLLECTION, *units_repository.OUTBOX_COLLECTIONS],
        on_start=[
            divisions.start_tree,
            units_repository.finish_imports,
            finish_transfers,
            ensure_indexes,
            ensure_file_indexes,
            backfill_region_path,
        ],
        background=[daily_checks_loop(clock), orphan_sweep_loop(), divisions.refresh_loop()],
    )
    app = create_service_app(
        runtime,
        title="领办 · 项目服务 (Lingban projects)",
        description="书记领办项目的申报、研判、备案、公示、进度、验收与年终评价。",
        routers=[projects_router, units_router, operations_router, files_router],
        larger_bodies=upload_body_limits(settings) | {IMPORT_PATH: IMPORT_MAX_BYTES},
    )
    app.state.clock = clock
    mount_dev_sign_in(app, settings)  # only with LINGBAN_DEV_SIGN_IN and a dev secret
    return app
