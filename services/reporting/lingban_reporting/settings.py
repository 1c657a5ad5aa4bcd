from __future__ import annotations

from lingban_kit.settings import ServiceSettings, service_config


class ReportingSettings(ServiceSettings):
    model_config = service_config("LINGBAN_REPORTING_")

    service_name: str = "reporting"
    port: int = 8004
