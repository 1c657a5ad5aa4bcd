from __future__ import annotations

from pydantic import Field

from lingban_kit.settings import ServiceSettings, service_config

# The 11 areas of the Tongcheng report (four of them named there); a deployment
# sets its own list with LINGBAN_PROJECTS_CATEGORIES='["…", "…"]'.
DEFAULT_CATEGORIES = (
    "小区治理",
    "议事协商",
    "民声呼应",
    "民生服务",
    "产业发展",
    "人居环境",
    "矛盾纠纷化解",
    "平安建设",
    "文明实践",
    "基层党建",
    "“一老一小”服务",
)


class ProjectsSettings(ServiceSettings):
    model_config = service_config("LINGBAN_PROJECTS_")

    service_name: str = "projects"
    port: int = 8001
    categories: tuple[str, ...] = DEFAULT_CATEGORIES
    # How often the daily checks (announcement over → execution; overdue stages) run.
    daily_checks_interval_seconds: float = Field(default=3600, gt=0)
