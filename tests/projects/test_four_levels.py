"""A city with districts (市 → 区县 → 乡镇街道 → 村社区), on the real database and broker:
a township's project is reviewed by its district's organisation department, the city sees
every district, and a district sees only its own part of the tree."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from devstack.infra import Endpoints
from lingban_kit.auth import Role
from lingban_kit.mongo import Database
from tests.auth import auth

from .conftest import running_app
from .four_levels import CITY, DISTRICT, OTHER_DISTRICT, TOWNSHIP, VILLAGE, four_level_file

__all__ = ["four_level_file"]  # the fixture, used by name

pytestmark = pytest.mark.integration


def declaration(unit: str) -> dict[str, Any]:
    return {
        "unit_code": unit,
        "year": 2026,
        "title": "海口镇老旧小区治理",
        "category": "小区治理",
        "problem": "小区无物业，环境差",
        "expected_goals": "年底前成立业委会",
        "evaluation_criteria": "居民满意度 90% 以上",
        "lead_secretary": "丙",
        "task_force": ["丁"],
        "deadline": "2026-05-31",
        "stage_tasks": [
            {"month": "2026-04", "task": "摸底", "deliverable": "清单"},
            {"month": "2026-05", "task": "成立业委会", "deliverable": "选举记录"},
        ],
    }


async def test_a_townships_project_is_reviewed_by_its_district(
    infra: Endpoints, database: Database, four_level_file: Path
) -> None:
    async with running_app(infra, database.name) as api:
        client = api.http
        # The database was seeded from the four-level file: the tree is the one served.
        tree = await client.get("/v1/units", headers=auth(Role.CITY_ORG, CITY))
        levels = {u["code"]: u["level"] for u in tree.json()}
        assert levels[DISTRICT] == "district"
        district_view = await client.get("/v1/units", headers=auth(Role.CITY_ORG, DISTRICT))
        assert {u["code"] for u in district_view.json()} == {
            DISTRICT,
            TOWNSHIP,
            VILLAGE,
            "340803100202",
        }

        township = auth(Role.TOWNSHIP_SECRETARY, TOWNSHIP)
        created = await client.post("/v1/projects", json=declaration(TOWNSHIP), headers=township)
        assert created.status_code == 201, created.text
        url = f"/v1/projects/{created.json()['id']}"
        assert (await client.post(f"{url}/submission", headers=township)).status_code == 200

        review = {
            "decision": "approve",
            "scores": {"feasibility": 85, "precision": 85, "effectiveness": 85},
        }
        # Not the other district, not the city two levels up: the level above reviews.
        other = await client.post(
            f"{url}/review", json=review, headers=auth(Role.CITY_ORG, OTHER_DISTRICT)
        )
        assert other.status_code == 404
        city = await client.post(f"{url}/review", json=review, headers=auth(Role.CITY_ORG, CITY))
        assert city.status_code == 403
        approved = await client.post(
            f"{url}/review", json=review, headers=auth(Role.CITY_ORG, DISTRICT)
        )
        assert approved.status_code == 200, approved.text
        assert approved.json()["status"] == "approved"

        # The city reads every district's projects; the other district reads none of these.
        city_list = await client.get(
            "/v1/projects", params={"year": 2026}, headers=auth(Role.CITY_ORG, CITY)
        )
        assert created.json()["id"] in {p["id"] for p in city_list.json()}
        other_list = await client.get(
            "/v1/projects", params={"year": 2026}, headers=auth(Role.CITY_ORG, OTHER_DISTRICT)
        )
        assert other_list.json() == []
