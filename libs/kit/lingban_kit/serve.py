"""Run a service with uvicorn, configured from its settings; or, with `--healthcheck`,
ask the running one for /healthz (a container's HEALTHCHECK, on the port the same
settings give it)."""

from __future__ import annotations

import sys
import urllib.request

import uvicorn

from lingban_kit.auth_policy import InsecureAuthConfig, check_auth_settings
from lingban_kit.logging import configure_logging
from lingban_kit.settings import ServiceSettings


def serve(app_path: str, settings: ServiceSettings) -> None:
    if sys.argv[1:] == ["--healthcheck"]:
        raise SystemExit(healthcheck(settings))
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


def healthcheck(settings: ServiceSettings, timeout: float = 3.0) -> int:
    """0 when the service on this host answers /healthz with 200, else 1 (why on stderr)."""
    url = f"http://127.0.0.1:{settings.port}/healthz"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as answer:
            if answer.status == 200:
                return 0
            print(f"{settings.service_name}: {url} answered {answer.status}", file=sys.stderr)
    except OSError as exc:
        print(f"{settings.service_name}: {url}: {exc}", file=sys.stderr)
    return 1
