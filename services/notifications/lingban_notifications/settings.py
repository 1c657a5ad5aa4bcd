from __future__ import annotations

from lingban_kit.settings import ServiceSettings, service_config


class NotificationsSettings(ServiceSettings):
    model_config = service_config("LINGBAN_NOTIFICATIONS_")

    service_name: str = "notifications"
    port: int = 8003
