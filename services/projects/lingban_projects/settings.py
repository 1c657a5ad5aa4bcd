from __future__ import annotations

from lingban_kit.settings import ServiceSettings, service_config


class ProjectsSettings(ServiceSettings):
    model_config = service_config("LINGBAN_PROJECTS_")

    service_name: str = "projects"
    port: int = 8001
