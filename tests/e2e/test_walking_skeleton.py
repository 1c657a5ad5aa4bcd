"""End to end over the real broker and database, every service its own process:
declare a project on `projects`, see it on Kafka, in `reporting`'s read model,
and consumed by `supervision` and `notifications`.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from devstack.infra import Endpoints
from lingban_contracts import decode_record
from lingban_contracts.topics import PROJECTS
from lingban_kit.auth import Role
from lingban_kit.testing import collect, end_offsets
from tests.auth import auth

pytestmark = pytest.mark.integration

VILLAGE = "340881103201"
DECLARED = "lingban.projects.project-declared.v1"


async def eventually(probe: Callable[[], Awaitable[Any]], seconds: float = 30.0) -> Any:
    """Poll until the probe returns something truthy (the platform is eventually consistent)."""
    deadline = time.monotonic() + seconds
    while True:
        result = await probe()
        if result or time.monotonic() > deadline:
            return result
        await asyncio.sleep(0.2)


def handled_count(metrics_text: str, event_type: str) -> float:
    pattern = rf'lingban_events_consumed_total\{{[^}}]*event_type="{re.escape(event_type)}"[^}}]*outcome="handled"[^}}]*\}} (\S+)'
    return sum(float(v) for v in re.findall(pattern, metrics_text))


async def test_declared_project_flows_to_every_service(
    platform: dict[str, str], infra: Endpoints
) -> None:
    since = await end_offsets(infra.kafka_bootstrap_servers, PROJECTS.name)
    declaration = {
        "unit_code": VILLAGE,
        "year": 2026,
        "title": "“一老一小”助餐服务",
        "category": "民生服务",
        "problem": "留守老人吃饭难",
        "expected_goals": "建成 2 个助餐点",
        "evaluation_criteria": "日均就餐 50 人次",
        "lead_secretary": "孔城镇某村书记",
        "task_force": ["甲", "乙"],
        "deadline": "2026-10-31",
        "stage_tasks": [
            {"month": f"2026-{m:02d}", "task": "推进", "deliverable": "台账"} for m in range(7, 11)
        ],
    }
    async with httpx.AsyncClient(timeout=10) as http:
        created = await http.post(
            f"{platform['projects']}/v1/projects",
            json=declaration,
            headers=auth(Role.VILLAGE_SECRETARY, VILLAGE),
        )
        assert created.status_code == 201, created.text
        project_id = created.json()["id"]

        # On Kafka: a CloudEvent keyed by the project id.
        [record] = await collect(
            infra.kafka_bootstrap_servers,
            PROJECTS.name,
            since,
            match=lambda r: r.key == project_id.encode(),
            until=lambda f: len(f) >= 1,
        )
        assert decode_record(record.headers, record.value).type == DECLARED

        # In reporting's read model, readable by a leader of the city.
        leader = auth(Role.LEADER, "340881000000")

        async def read_view() -> dict[str, Any] | None:
            answer = await http.get(
                f"{platform['reporting']}/v1/projects/{project_id}", headers=leader
            )
            return answer.json() if answer.status_code == 200 else None

        view = await eventually(read_view)
        assert view, "reporting never showed the declared project"
        assert view["title"] == "“一老一小”助餐服务"
        assert view["unit_code"] == VILLAGE
        assert view["status"] == "draft"
        assert view["version"] == 1

        # A region's list is planned from its figure documents, which are settled just
        # after the project's own document is written: the list may trail the view.
        async def listed() -> bool:
            answer = await http.get(
                f"{platform['reporting']}/v1/projects",
                params={"region": "340881103000", "year": 2026},
                headers=leader,
            )
            return project_id in [p["id"] for p in answer.json()["items"]]

        assert await eventually(listed), "the township's project list never showed it"

        # Supervision and notifications consumed it too (their metrics say so).
        for name in ("supervision", "notifications"):
            assert (await http.get(f"{platform[name]}/readyz")).status_code == 200

            async def handled(service: str = name) -> bool:
                text = (await http.get(f"{platform[service]}/metrics")).text
                return handled_count(text, DECLARED) >= 1

            assert await eventually(handled), f"{name} did not handle {DECLARED}"
