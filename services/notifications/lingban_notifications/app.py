from __future__ import annotations

from fastapi import FastAPI

from lingban_contracts.divisions import default_tree
from lingban_kit import divisions
from lingban_kit.clock import Clock
from lingban_kit.http import create_app as create_service_app
from lingban_kit.runtime import ServiceRuntime
from lingban_notifications.contract import CONTRACT
from lingban_notifications.delivery.sms import SmsProvider
from lingban_notifications.directory.api import router as contacts_router
from lingban_notifications.directory.departments_api import router as departments_router
from lingban_notifications.directory.import_api import IMPORT_MAX_BYTES, IMPORT_PATH
from lingban_notifications.directory.import_api import router as contacts_import_router
from lingban_notifications.notifications.api import inbox_router, operations_router
from lingban_notifications.notifications.repository import NOTIFICATIONS
from lingban_notifications.rules.api import router as rules_router
from lingban_notifications.rules.loader import load_rules
from lingban_notifications.settings import NotificationsSettings
from lingban_notifications.wiring import Wiring, channel_senders


def create_app(
    settings: NotificationsSettings | None = None,
    clock: Clock | None = None,
    sms_provider: SmsProvider | None = None,
) -> FastAPI:
    settings = settings or NotificationsSettings()
    wiring = Wiring(
        settings=settings,
        clock=clock or Clock(),
        tree=default_tree(),
        file_rules=load_rules(settings.rules_file),  # a bad file stops the start, loudly
        senders=channel_senders(settings, sms_provider),
    )
    runtime = ServiceRuntime(
        settings,
        CONTRACT,
        outbox_collections=[NOTIFICATIONS],
        handlers=wiring.handlers,
        on_start=[divisions.start_tree, wiring.ensure_indexes, wiring.migrate],
        background=[divisions.refresh_loop()]
        + ([wiring.scheduler_loop(), wiring.dispatcher_loop()] if settings.background else []),
    )
    wiring.on_write = runtime.wake_relay
    app = create_service_app(
        runtime,
        title="领办 · 提醒服务 (Lingban notifications)",
        description="一单三卡、周报提醒、时限预警与逾期升级，站内信、邮件、Webhook、短信一次送达。",
        # The import's routes first: `/v1/contacts/import-template` is no contact id.
        routers=[
            inbox_router,
            contacts_import_router,
            contacts_router,
            departments_router,
            rules_router,
            operations_router,
        ],
        larger_bodies={IMPORT_PATH: IMPORT_MAX_BYTES},
    )
    app.state.wiring = wiring
    return app
