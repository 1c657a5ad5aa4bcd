"""A command whose events would be too large is refused at the door (413), and the
request bodies that feed events bound every list item, so the relay never meets them."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, cast

import httpx
import pytest
from fastapi import APIRouter
from pydantic import BaseModel, ValidationError

from lingban_kit.http import create_app
from lingban_kit.outbox import EVENT_BUDGET_BYTES, with_events
from lingban_kit.runtime import ServiceRuntime
from lingban_kit.settings import ServiceSettings
from lingban_projects.projects.schemas import CompletionDecisionIn, DeclarationIn, WeeklyReportIn
from lingban_supervision.inspections.api import RecordIn, SubmissionIn, VerificationIn
from lingban_supervision.problems.api import ProblemIn, StatusIn
from lingban_supervision.visits.api import VisitIn
from tests.events import project_declared


async def test_an_oversized_write_is_answered_413_with_a_clear_message() -> None:
    router = APIRouter()

    @router.post("/v1/things")
    async def write(size: int) -> dict[str, str]:
        event = project_declared(title="big")
        event.data["problem"] = "问" * size
        with_events({"$set": {"state": 1}}, [event])  # the repository's update
        return {"status": "written"}

    runtime = cast(ServiceRuntime, SimpleNamespace(service="kit-test", settings=ServiceSettings()))
    app = create_app(runtime, title="kit", description="kit", routers=[router])
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://kit") as client:
        fine = await client.post("/v1/things", params={"size": 1000})
        refused = await client.post("/v1/things", params={"size": EVENT_BUDGET_BYTES // 3})
        english = await client.post(
            "/v1/things", params={"size": EVENT_BUDGET_BYTES}, headers={"Accept-Language": "en"}
        )
    assert fine.status_code == 200
    assert refused.status_code == 413
    error = refused.json()["error"]
    assert error["code"] == "payload_too_large"
    assert "超过上限 256 KB" in error["message"]
    assert error["limit_bytes"] == EVENT_BUDGET_BYTES
    assert error["event_bytes"] > EVENT_BUDGET_BYTES
    assert "over the limit of 256 KB" in english.json()["error"]["message"]


LONG = "长" * 5000


def declaration(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "加装电梯",
        "category": "民生服务",
        "problem": "p",
        "expected_goals": "g",
        "evaluation_criteria": "c",
        "lead_secretary": "张书记",
        "task_force": ["李四"],
        "deadline": "2026-12-31",
        "stage_tasks": [],
        "unit_code": "340881100201",
        "year": 2026,
    }
    return body | changes


@pytest.mark.parametrize(
    ("model", "body"),
    [
        (DeclarationIn, declaration(task_force=["李四", LONG])),
        (WeeklyReportIn, {"week": "2026-W14", "key_tasks": [LONG], "narrative": "n"}),
        (CompletionDecisionIn, {"accept": False, "reasons": [LONG]}),
        (
            RecordIn,
            {
                "inspected_on": "2026-04-01",
                "checklist": [{"item": "i", "max_points": 10, "deducted": 0}],
                "findings": [LONG],
            },
        ),
        (
            RecordIn,
            {
                "inspected_on": "2026-04-01",
                "checklist": [{"item": "i", "max_points": 10, "deducted": 0}],
                "rectification_measures": [LONG],
            },
        ),
        (SubmissionIn, {"measures": [LONG], "narrative": "n"}),
        (VerificationIn, {"decision": "reopen", "reasons": [LONG]}),
        (
            ProblemIn,
            {
                "unit_code": "340881100201",
                "year": 2026,
                "source": "residents",
                "channel": "visit",
                "category": "c",
                "level": "organisation",
                "description": "d",
                "measures": [LONG],
            },
        ),
        (StatusIn, {"status": "in_progress", "measures": [LONG]}),
        (
            VisitIn,
            {
                "unit_code": "340881100201",
                "visited_on": "2026-04-01",
                "visitor": "v",
                "visitor_role": "leader",
                "team": [LONG],
            },
        ),
    ],
)
def test_request_list_items_are_bounded(model: type[BaseModel], body: dict[str, Any]) -> None:
    with pytest.raises(ValidationError) as refused:
        model.model_validate(body)
    assert {e["type"] for e in refused.value.errors()} == {"string_too_long"}
