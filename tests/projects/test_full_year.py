"""The issue's acceptance scenario: one project's whole year through the HTTP API,
with the right roles, the right events on Kafka, and clear errors for every
rejected action.

declare → return → re-declare → approve → file → announce → 12 monthly
reports with one overdue → completion → evaluation
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from devstack.infra import Endpoints
from lingban_contracts import decode_record
from lingban_contracts.topics import PROJECTS
from lingban_kit.auth import Role
from lingban_kit.testing import collect, end_offsets
from tests.auth import auth

from .builders import CITY, TOWNSHIP, VILLAGE
from .conftest import ProjectsApi

pytestmark = pytest.mark.integration

UNIT = auth(Role.VILLAGE_SECRETARY, VILLAGE)
ABOVE = auth(Role.TOWNSHIP_SECRETARY, TOWNSHIP)
SCORES = {"feasibility": 85, "precision": 80, "effectiveness": 88}


def form(title: str = "“板凳议事会”常态化") -> dict[str, Any]:
    return {
        "title": title,
        "category": "议事协商",
        "problem": "村民议事渠道不畅，矛盾化解慢",
        "expected_goals": "每月召开议事会，矛盾就地化解率 90%",
        "evaluation_criteria": "议事会记录、化解台账",
        "lead_secretary": "北塘村书记",
        "task_force": ["村委委员甲", "网格员乙"],
        "deadline": "2026-12-31",
        "responsibility_statement": "书记第一责任人，专班包保到组",
        "topic_source": "chosen",
        "pre_approval_steps": [
            {"step": "investigation", "done_on": "2026-01-02"},
            {"step": "collective_study", "done_on": "2026-01-04", "note": "支委会研究"},
        ],
        "stage_tasks": [
            {
                "month": f"2026-{m:02d}",
                "task": f"第 {m} 月议事",
                "deliverable": "议事记录",
                "owner": "专班",
            }
            for m in range(1, 13)
        ],
    }


async def test_a_project_year(api: ProjectsApi, infra: Endpoints) -> None:
    http, clock = api.http, api.clock
    since = await end_offsets(infra.kafka_bootstrap_servers, PROJECTS.name)

    async def call(
        method: str, url: str, headers: dict[str, str], body: Any = None, expect: int = 200
    ) -> Any:
        answer = await http.request(method, url, json=body, headers=headers)
        assert answer.status_code == expect, answer.text
        return answer.json()

    def at(month: int, day: int) -> None:
        clock.set(datetime(2026, month, day, 2, tzinfo=UTC))

    # Declaration, a return, the re-declaration, approval.
    at(1, 5)
    project = await call(
        "POST", "/v1/projects", UNIT, {"unit_code": VILLAGE, "year": 2026, **form()}, 201
    )
    pid = project["id"]
    url = f"/v1/projects/{pid}"
    await call("POST", f"{url}/submission", UNIT)
    rejected = await call(
        "POST", f"{url}/review", UNIT, {"decision": "approve", "scores": SCORES}, 403
    )
    assert "上级单位" in rejected["error"]["message"]
    await call(
        "POST",
        f"{url}/review",
        ABOVE,
        {"decision": "return", "scores": {**SCORES, "precision": 50}, "reasons": ["针对性不强"]},
    )
    await call(
        "PUT", f"{url}/declaration", {**UNIT, "If-Match": '"3"'}, form("“板凳议事会”常态化（修订）")
    )
    stale = await call("POST", f"{url}/submission", {**UNIT, "If-Match": '"3"'}, expect=409)
    assert stale["error"]["current_version"] == 4
    await call("POST", f"{url}/submission", UNIT)
    early = await call("POST", f"{url}/filing", ABOVE, expect=409)
    assert early["error"]["code"] == "invalid_transition"
    await call(
        "POST",
        f"{url}/review",
        ABOVE,
        {"decision": "approve", "scores": SCORES, "comment": "切口小、能完成"},
    )
    await call("POST", f"{url}/filing", ABOVE)
    await call(
        "POST", f"{url}/announcement", ABOVE, {"starts_on": "2026-01-06", "ends_on": "2026-01-12"}
    )
    await call("POST", f"{url}/execution", ABOVE, expect=409)  # still announced

    # The daily checks start execution once the announcement is over.
    at(1, 13)
    org = auth(Role.CITY_ORG, CITY)
    checks = await call("POST", "/v1/operations/daily-checks", org)
    assert checks["execution_started"] == [pid]

    # Twelve months; May goes unreported and is flagged overdue in June.
    for month in range(1, 13):
        if month == 5:
            continue
        at(month, 25)
        if month == 6:
            at(6, 1)
            checks = await call("POST", "/v1/operations/daily-checks", org)
            assert checks["stages_overdue"] == [f"{pid}:2026-05"]
            late = await call(
                "POST",
                f"{url}/stages/2026-05/reports",
                UNIT,
                {"status": "done", "percent": 100, "narrative": "补报"},
            )
            assert [s["status"] for s in late["stages"]][4] == "done"
            at(6, 25)
        body = {
            "status": "done",
            "percent": 100,
            "narrative": f"{month} 月议事会已召开",
            "attachments": [
                {
                    "name": f"{month}月议事记录.pdf",
                    "content_type": "application/pdf",
                    "size_bytes": 20480,
                }
            ],
        }
        await call("POST", f"{url}/stages/2026-{month:02d}/reports", UNIT, body)
        if month == 3:
            future = await call("POST", f"{url}/stages/2026-04/reports", UNIT, body, 422)
            assert "尚未到来" in future["error"]["message"]
            await call(
                "POST",
                f"{url}/weekly-reports",
                UNIT,
                {"week": "2026-W13", "key_tasks": ["议事会筹备"], "narrative": "本周完成议题征集"},
            )

    # Completion, acceptance, year-end evaluation.
    at(12, 28)
    await call("POST", f"{url}/completion-request", UNIT, {"summary": "全年 12 次议事会全部召开"})
    await call("POST", f"{url}/completion-decision", ABOVE, {"accept": True, "comment": "同意验收"})
    final = await call(
        "POST",
        f"{url}/evaluation",
        ABOVE,
        {"governance_effect": 95, "problem_solved": 92, "plan_completed": 90, "model_case": True},
    )
    assert final["status"] == "evaluated"
    assert final["evaluation"]["rating"] == "excellent"
    assert final["revision"] == 2

    history = await call("GET", f"{url}/history", auth(Role.LEADER, CITY))
    assert [r["title"] for r in history["revisions"]] == [
        "“板凳议事会”常态化",
        "“板凳议事会”常态化（修订）",
    ]
    assert [r["decision"] for r in history["reviews"]] == ["returned", "approved"]
    assert history["entries"][0]["by"]["id"] == f"village_secretary@{VILLAGE}"

    # On Kafka: every state change, in order, each with the next aggregate version.
    expected = (
        [
            "project-declared",
            "project-submitted",
            "project-returned",
            "project-revised",
            "project-submitted",
            "project-approved",
            "project-filed",
            "project-announced",
            "project-execution-started",
        ]
        + ["stage-reported", "stage-completed"] * 3
        + ["weekly-report-submitted"]
        + ["stage-reported", "stage-completed"]  # April
        + ["stage-overdue", "stage-reported", "stage-completed"]  # May: flagged, then reported late
        + ["stage-reported", "stage-completed"] * 7  # June to December
        + ["completion-requested", "completion-accepted", "project-evaluated"]
    )
    records = await collect(
        infra.kafka_bootstrap_servers,
        PROJECTS.name,
        since,
        match=lambda r: r.key == pid.encode(),
        until=lambda f: len(f) >= len(expected),
    )
    events = [decode_record(r.headers, r.value) for r in records]
    assert [e.type.split(".")[2] for e in events] == expected
    assert [e.aggregate_version for e in events] == list(range(1, len(expected) + 1))
    overdue = next(e for e in events if e.type.endswith("stage-overdue.v1"))
    assert overdue.actor.id == "system:projects-scheduler"
    assert overdue.data["month"] == "2026-05"
    assert (
        next(e for e in events if e.type.endswith("project-evaluated.v1")).data["model_case"]
        is True
    )
