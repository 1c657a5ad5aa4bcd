from __future__ import annotations

from lingban_kit.settings import ServiceSettings, service_config


class SupervisionSettings(ServiceSettings):
    model_config = service_config("LINGBAN_SUPERVISION_")

    service_name: str = "supervision"
    port: int = 8002
