from __future__ import annotations

from fastapi import FastAPI

from lingban_kit.http import create_app as create_service_app
from lingban_kit.runtime import ServiceRuntime
from lingban_supervision.contract import CONTRACT
from lingban_supervision.projects.inspectable import project_handlers
from lingban_supervision.settings import SupervisionSettings


def create_app(settings: SupervisionSettings | None = None) -> FastAPI:
    settings = settings or SupervisionSettings()
    runtime = ServiceRuntime(settings, CONTRACT, handlers=project_handlers)
    return create_service_app(
        runtime,
        title="领办 · 督导服务 (Lingban supervision)",
        description="督导组、督导计划、现场与暗访检查、扣分、整改、问题清单、驻点联系。",
    )
