from __future__ import annotations

from fastapi import FastAPI

from lingban_kit.http import create_app as create_service_app
from lingban_kit.runtime import ServiceRuntime
from lingban_notifications.contract import CONTRACT
from lingban_notifications.settings import NotificationsSettings
from lingban_notifications.subjects.tracking import subject_handlers


def create_app(settings: NotificationsSettings | None = None) -> FastAPI:
    settings = settings or NotificationsSettings()
    runtime = ServiceRuntime(settings, CONTRACT, handlers=subject_handlers)
    return create_service_app(
        runtime,
        title="领办 · 提醒服务 (Lingban notifications)",
        description="一单三卡、周报提醒、时限预警与逾期升级，站内信、邮件、Webhook、短信一次送达。",
    )
