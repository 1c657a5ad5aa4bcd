"""Run a service with uvicorn, configured from its settings."""

from __future__ import annotations

import uvicorn

from lingban_kit.auth_policy import InsecureAuthConfig, check_auth_settings
from lingban_kit.logging import configure_logging
from lingban_kit.settings import ServiceSettings


def serve(app_path: str, settings: ServiceSettings) -> None:
    try:
        check_auth_settings(settings)
    except InsecureAuthConfig as exc:
        # One clear line on stderr and a non-zero exit, not a lifespan traceback.
        raise SystemExit(f"{settings.service_name}: {exc}") from None
    configure_logging(settings.service_name, settings.log_level)
    uvicorn.run(
        app_path,
        factory=True,
        host=settings.host,
        port=settings.port,
        log_config=None,  # keep our JSON logging
        access_log=False,  # request metrics and JSON logs cover it
    )
