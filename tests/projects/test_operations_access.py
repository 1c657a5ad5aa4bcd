"""The daily checks act on every region: only the city_org at the top of the tree runs them (LB-16)."""

from __future__ import annotations

import pytest

from lingban_kit.auth import Role
from tests.auth import auth

from .builders import CITY, TOWNSHIP
from .conftest import ProjectsApi

pytestmark = pytest.mark.integration


@pytest.mark.parametrize(
    ("role", "region"),
    [(Role.CITY_ORG, TOWNSHIP), (Role.TOWNSHIP_SECRETARY, TOWNSHIP), (Role.SUPERVISOR, CITY)],
)
async def test_only_the_root_city_org_runs_the_daily_checks(
    api: ProjectsApi, role: Role, region: str
) -> None:
    answer = await api.http.post("/v1/operations/daily-checks", headers=auth(role, region))
    assert answer.status_code == 403, answer.text
    ok = await api.http.post("/v1/operations/daily-checks", headers=auth(Role.CITY_ORG, CITY))
    assert ok.status_code == 200, ok.text
