"""村并村 on the real database and broker: a merge moves exactly the merged village's open
projects to its successor, each with one `project-unit-transferred` event; reporting,
supervision and notifications file them under the successor; the merge sent again moves
nothing; a crash mid-way is finished at the next start, nothing moved twice."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from devstack.infra import Endpoints
from lingban_contracts import Actor, Envelope, decode_record
from lingban_contracts.events import projects as ev
from lingban_contracts.registry import event_type
from lingban_contracts.statuses import PROJECT_OPEN, ProjectStatus
from lingban_contracts.topics import PROJECTS
from lingban_kit import divisions
from lingban_kit.auth import Role
from lingban_kit.explain import assert_indexed
from lingban_kit.mongo import Database
from lingban_kit.testing import collect, end_offsets
from lingban_notifications.subjects.tracking import SUBJECTS
from lingban_notifications.subjects.tracking import project_projection as subject_projection
from lingban_projects.projects.domain import Project
from lingban_projects.projects.repository import PROJECTS_COLLECTION, MongoProjectRepository
from lingban_projects.units.transfers import TRANSFER, ProjectTransfers, open_projects_filter
from lingban_reporting.figures.contributions import Counts
from lingban_reporting.figures.layout import unit_id
from lingban_reporting.figures.reads import counts_of
from lingban_reporting.projector import Projector
from lingban_reporting.read_models.entities import id_filter
from lingban_reporting.read_models.generations import ReadModels, ensure_indexes
from lingban_supervision.projects.inspectable import INSPECTABLE, project_handlers
from tests.auth import auth

from .builders import declaration
from .conftest import ProjectsApi, running_app
from .four_levels import CITY, TOWNSHIP, four_level_file

__all__ = ["four_level_file"]  # the fixture, used by name

pytestmark = pytest.mark.integration

# New villages of 海口镇 in the four-level tree (outside the demo tree), only these tests'.
MERGED, SUCCESSOR = "340803100294", "340803100295"
CRASH_MERGED, CRASH_SUCCESSOR = "340803100296", "340803100297"
TRANSFERRED = event_type(ev.ProjectUnitTransferred)
YEAR = 2026


def city() -> dict[str, str]:
    return auth(Role.CITY_ORG, CITY)


def form(unit: str, title: str) -> dict[str, Any]:
    return {
        "unit_code": unit,
        "year": YEAR,
        "title": title,
        "category": "小区治理",
        "problem": "小区无物业",
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


async def village(api: ProjectsApi, code: str, name: str, secretary: str) -> None:
    body = {
        "code": code,
        "name": name,
        "level": "village",
        "parent": TOWNSHIP,
        "secretary": secretary,
        "reason": "测试",
    }
    created = await api.http.post("/v1/units", json=body, headers=city())
    assert created.status_code == 201, created.text


async def declared(api: ProjectsApi, unit: str, title: str, *, submit: bool = False) -> str:
    secretary = auth(Role.VILLAGE_SECRETARY, unit)
    created = await api.http.post("/v1/projects", json=form(unit, title), headers=secretary)
    assert created.status_code == 201, created.text
    project_id = str(created.json()["id"])
    if submit:
        sent = await api.http.post(f"/v1/projects/{project_id}/submission", headers=secretary)
        assert sent.status_code == 200, sent.text
    return project_id


async def closed(api: ProjectsApi, unit: str) -> str:
    """A withdrawn project (final) of the unit, stored as the service stores one."""
    project = Project.declare(
        unit, YEAR, declaration(), Actor(id="tester"), api.clock.now(), correlation_id=None
    )
    project.status = ProjectStatus.WITHDRAWN
    await MongoProjectRepository(api.db).add(project)
    return project.id


async def state(api: ProjectsApi, project_id: str) -> tuple[str, int]:
    found = await api.http.get(f"/v1/projects/{project_id}", headers=city())
    assert found.status_code == 200, found.text
    return str(found.json()["unit_code"]), int(found.json()["version"])


async def merge(api: ProjectsApi, code: str, into: str) -> Any:
    return await api.http.post(
        f"/v1/units/{code}/merge", json={"into": into, "reason": "桐政〔2026〕30号"}, headers=city()
    )


async def events_of(infra: Endpoints, since: Any, ids: set[str], until: int) -> list[Envelope]:
    records = await collect(
        infra.kafka_bootstrap_servers,
        PROJECTS.name,
        since,
        match=lambda r: r.key is not None and r.key.decode() in ids,
        until=lambda found: len(found) >= until,
    )
    return [decode_record(r.headers, r.value) for r in records]


async def test_a_merge_moves_exactly_the_open_projects_and_every_copy_follows(
    infra: Endpoints, database: Database, four_level_file: Path
) -> None:
    async with running_app(infra, database.name) as api:
        since = await end_offsets(infra.kafka_bootstrap_servers, PROJECTS.name)
        await village(api, MERGED, "东湖村", "孙书记")
        await village(api, SUCCESSOR, "西湖村", "钱书记")
        draft = await declared(api, MERGED, "东湖村道路")
        submitted = await declared(api, MERGED, "东湖村路灯", submit=True)
        withdrawn = await closed(api, MERGED)
        own = await declared(api, SUCCESSOR, "西湖村广场")
        before = {p: await state(api, p) for p in (draft, submitted, withdrawn, own)}

        merged = await merge(api, MERGED, SUCCESSOR)
        assert merged.status_code == 200, merged.text

        after = {p: await state(api, p) for p in before}
        # The open ones are the successor's, one version later; the closed one and the
        # successor's own project are as they were.
        assert after[draft] == (SUCCESSOR, before[draft][1] + 1)
        assert after[submitted] == (SUCCESSOR, before[submitted][1] + 1)
        assert after[withdrawn] == before[withdrawn] == (MERGED, before[withdrawn][1])
        assert after[own] == before[own]
        # The successor's side acts on them now; the merged village's sees them no more.
        moved_url = f"/v1/projects/{draft}"
        mine = await api.http.get(moved_url, headers=auth(Role.VILLAGE_SECRETARY, SUCCESSOR))
        assert mine.status_code == 200
        gone = await api.http.get(moved_url, headers=auth(Role.VILLAGE_SECRETARY, MERGED))
        assert gone.status_code == 404
        # New projects go to the successor too.
        late = await api.http.post(
            "/v1/projects",
            json=form(MERGED, "迟到的申报"),
            headers=auth(Role.VILLAGE_SECRETARY, MERGED),
        )
        assert late.status_code == 409, late.text
        assert "撤并" in late.json()["error"]["message"]

        # The merged unit's open projects were found by indexed equalities only.
        for status in PROJECT_OPEN:
            query = open_projects_filter(MERGED, status.value)
            await assert_indexed(api.db[PROJECTS_COLLECTION], query)

        # The same merge again finishes nothing more: no version moves, no marker left.
        again = await merge(api, MERGED, SUCCESSOR)
        assert again.status_code == 200, again.text
        assert again.json()["merged_into"] == SUCCESSOR
        assert {p: await state(api, p) for p in before} == after
        unit_doc = await api.db[divisions.COLLECTION].find_one({"_id": MERGED})
        assert unit_doc is not None
        assert TRANSFER not in unit_doc

        ids = {draft, submitted, withdrawn, own}
        expected = sum(version for _, version in after.values()) - before[withdrawn][1]
        events = await events_of(infra, since, ids - {withdrawn}, expected)
        transfers = [e for e in events if e.type == TRANSFERRED]
        assert sorted(e.aggregate_id for e in transfers) == sorted([draft, submitted])
        for event in transfers:
            data = ev.ProjectUnitTransferred.model_validate(event.data)
            assert (data.unit_code, data.from_unit, data.secretary) == (
                SUCCESSOR,
                MERGED,
                "钱书记",
            )
            assert data.reason == "桐政〔2026〕30号"
            assert event.actor.id == f"{Role.CITY_ORG.value}@{CITY}"

        # Reporting files them under the successor: documents, region path, figures.
        models = ReadModels(database, "merge")
        await ensure_indexes(models)
        projector = Projector(database)
        await projector.apply(events, models)
        doc = await models.projects.find_one(id_filter(draft))
        assert doc is not None
        assert (doc["unit_code"], doc["transferred_from"]) == (SUCCESSOR, [MERGED])
        assert SUCCESSOR in doc["region_path"]
        assert MERGED not in doc["region_path"]
        successor_figures = await figures(models, SUCCESSOR)
        merged_figures = await figures(models, MERGED)
        assert successor_figures.get("p") == 3  # its own and the two moved
        assert merged_figures.get("p", 0) == 0  # (the stored withdrawn one is not fed here)
        # Redelivered, in any order: nothing changes.
        assert await Projector(database).apply([*reversed(events), *events], models) == 0
        assert await figures(models, SUCCESSOR) == successor_figures

        # Supervision: the inspection pool names the successor (unit, township, path).
        handlers = project_handlers(database)
        for event in [*events, *reversed(events)]:
            if event.type in handlers:
                await handlers[event.type](event)
        pooled = await database[INSPECTABLE].find_one({"_id": submitted})
        assert pooled is not None
        assert (pooled["unit_code"], pooled["township_code"]) == (SUCCESSOR, TOWNSHIP)
        assert SUCCESSOR in pooled["region_path"]

        # Notifications: the reminders' subject is the successor's (its contacts are reminded).
        subjects = subject_projection(database)
        for event in [*events, *events]:
            await subjects(event)
        subject = await database[SUBJECTS].find_one({"_id": draft})
        assert subject is not None
        assert subject["unit_code"] == SUCCESSOR


async def figures(models: ReadModels, unit: str) -> Counts:
    return counts_of(await models.figures.find_one(id_filter(unit_id(YEAR, unit))))


async def test_a_merge_cut_short_is_finished_at_the_next_start_and_moves_nothing_twice(
    infra: Endpoints,
    database: Database,
    four_level_file: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async with running_app(infra, database.name) as api:
        await village(api, CRASH_MERGED, "南湖村", "周书记")
        await village(api, CRASH_SUCCESSOR, "北湖村", "吴书记")
        projects = [await declared(api, CRASH_MERGED, f"南湖村项目{n}") for n in range(3)]
        before = {p: await state(api, p) for p in projects}

        # The process dies after the first project moved (the merge's write is done).
        real_move = ProjectTransfers._move
        calls = 0

        async def dies_after_one(self: ProjectTransfers, *args: Any) -> bool:
            nonlocal calls
            calls += 1
            if calls > 1:
                raise RuntimeError("the process died here")
            return await real_move(self, *args)

        monkeypatch.setattr(ProjectTransfers, "_move", dies_after_one)
        with pytest.raises(RuntimeError):
            await merge(api, CRASH_MERGED, CRASH_SUCCESSOR)
        monkeypatch.undo()
        halfway = {p: await state(api, p) for p in projects}
        assert sorted(unit for unit, _ in halfway.values()) == sorted(
            [CRASH_SUCCESSOR, CRASH_MERGED, CRASH_MERGED]
        )
        unit_doc = await api.db[divisions.COLLECTION].find_one({"_id": CRASH_MERGED})
        assert unit_doc is not None
        assert unit_doc["active"] is False
        assert TRANSFER in unit_doc  # left for whoever finishes it

    # The next start finishes it: every open project moved, each exactly once.
    async with running_app(infra, database.name) as api:
        done = {p: await state(api, p) for p in projects}
        assert done == {p: (CRASH_SUCCESSOR, version + 1) for p, (_, version) in before.items()}
        unit_doc = await api.db[divisions.COLLECTION].find_one({"_id": CRASH_MERGED})
        assert unit_doc is not None
        assert TRANSFER not in unit_doc
