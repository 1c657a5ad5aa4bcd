"""The project read model on the real database: duplicates change nothing."""

from __future__ import annotations

import pytest

from lingban_contracts import Envelope
from lingban_kit.mongo import Database
from lingban_reporting.projects.projection import VIEWS, ProjectProjection
from tests.events import project_declared

pytestmark = pytest.mark.integration


def declared(title: str, version: int = 1, project_id: str | None = None) -> Envelope:
    return project_declared(project_id, title=title, version=version, unit_code="340881105202")


async def test_redelivered_declaration_is_applied_once(database: Database) -> None:
    projection = ProjectProjection(database)
    handle = projection.handlers()["lingban.projects.project-declared.v1"]
    event = declared("议事会")
    for _ in range(3):
        await handle(event)
    [view] = await database[VIEWS].find({}).to_list()
    assert view["_id"] == event.aggregate_id
    assert view["title"] == "议事会"
    assert view["version"] == 1
    assert view["stage_count"] == 1


async def test_an_older_event_does_not_overwrite_a_newer_view(database: Database) -> None:
    projection = ProjectProjection(database)
    handle = projection.handlers()["lingban.projects.project-declared.v1"]
    newer = declared("新标题", version=2)
    await handle(newer)
    await handle(declared("旧标题", version=1, project_id=newer.aggregate_id))
    view = await database[VIEWS].find_one({"_id": newer.aggregate_id})
    assert view is not None
    assert view["title"] == "新标题"
    assert view["version"] == 2
