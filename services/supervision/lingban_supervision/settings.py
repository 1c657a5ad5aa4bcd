from __future__ import annotations

from pydantic import Field

from lingban_kit.settings import ServiceSettings, service_config

# Problem categories (问题分类); a deployment sets its own list, e.g. the
# "8 categories / 18 items" of a street, with LINGBAN_SUPERVISION_PROBLEM_CATEGORIES.
DEFAULT_PROBLEM_CATEGORIES = (
    "组织建设",
    "作风建设",
    "项目推进",
    "民生服务",
    "人居环境",
    "矛盾纠纷",
    "平安建设",
    "其他",
)


class SupervisionSettings(ServiceSettings):
    model_config = service_config("LINGBAN_SUPERVISION_")

    service_name: str = "supervision"
    port: int = 8002
    # An inspection passes at this many points of 100.
    pass_mark: int = Field(default=60, ge=0, le=100)
    # Days a unit has to rectify after a failed inspection (整改时限).
    rectification_days: int = Field(default=15, ge=1, le=365)
    # On-site inspections a group must do each month (每月不少于 2 次实地督导).
    min_on_site_per_month: int = Field(default=2, ge=0)
    problem_categories: tuple[str, ...] = DEFAULT_PROBLEM_CATEGORIES
    # How often the periodic checks (overdue rectifications) run.
    checks_interval_seconds: float = Field(default=3600, gt=0)
    # Days a stationed township leader must reside in the village each month (住村;
    # see docs/stationing.md: the source report states 3 working days a *week*).
    residence_min_days_per_month: int = Field(default=3, ge=0, le=31)
    # And working days a week (每周工作日在工作地居住不少于 3 天, seed 004), on top of the
    # monthly minimum; 0 turns the weekly rule off (docs/stationing.md).
    residence_min_working_days_per_week: int = Field(default=3, ge=0, le=5)
