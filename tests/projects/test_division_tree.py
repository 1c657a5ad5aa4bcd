"""The division tree as managed data on the real database and broker (issue 16, issue 13):
units registered, renamed, given a new secretary, merged and imported from Excel, each
change one event on the divisions topic, and another service's copy following them."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from openpyxl import Workbook, load_workbook  # type: ignore[import-untyped]

from devstack.infra import Endpoints
from lingban_contracts import decode_record
from lingban_contracts.divisions import default_tree
from lingban_contracts.topics import DIVISIONS
from lingban_kit import divisions
from lingban_kit.auth import Role
from lingban_kit.mongo import Database
from lingban_kit.testing import collect, end_offsets
from lingban_projects.units.sheet import COLUMNS
from tests.auth import auth

from .conftest import ProjectsApi, running_app
from .four_levels import CITY, DISTRICT, OTHER_TOWNSHIP, TOWNSHIP, VILLAGE, four_level_file

__all__ = ["four_level_file"]  # the fixture, used by name

pytestmark = pytest.mark.integration

# In the four-level tree (tests/projects/four_levels.py), outside the demo tree.
NEW_VILLAGE = "340803100290"
OTHER_NEW = "340803100291"
NEW_TOWNSHIP = "340803190000"
NEW_TOWNSHIP_VILLAGE = "340803190201"
SECOND_VILLAGE = "340803100202"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
async def api(
    infra: Endpoints, database: Database, four_level_file: Path
) -> AsyncIterator[ProjectsApi]:
    """The projects app on a database seeded from the four-level tree."""
    async with running_app(infra, database.name) as started:
        yield started


def unit_name(code: str) -> str:
    unit = default_tree().get(code)
    assert unit is not None
    return unit.name


def city() -> dict[str, str]:
    return auth(Role.CITY_ORG, CITY)


def sheet(rows: list[list[Any]]) -> bytes:
    book = Workbook()
    page = book.active
    page.title = "行政区划"
    page.append([c.header for c in COLUMNS])
    for row in rows:
        page.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def upload(client: httpx.AsyncClient, content: bytes) -> httpx.Response:
    return await client.post(
        "/v1/units/import", files={"file": ("区划.xlsx", content, XLSX)}, headers=city()
    )


async def test_a_unit_is_registered_renamed_given_a_secretary_and_merged(
    api: ProjectsApi, infra: Endpoints, database: Database
) -> None:
    client = api.http
    since = await end_offsets(infra.kafka_bootstrap_servers, DIVISIONS.name)
    new = {
        "code": NEW_VILLAGE,
        "name": "新合村",
        "level": "village",
        "parent": TOWNSHIP,
        "secretary": "王一",
        "reason": "桐政〔2026〕12号",
    }
    created = await client.post("/v1/units", json=new, headers=city())
    assert created.status_code == 201, created.text
    # The tree serves it at once, without a restart.
    listed = await client.get("/v1/units", params={"region": TOWNSHIP}, headers=city())
    assert NEW_VILLAGE in {u["code"] for u in listed.json()}
    assert default_tree().get(NEW_VILLAGE) is not None

    again = await client.post("/v1/units", json=new, headers=city())
    assert again.status_code == 409
    assert "已被使用" in again.json()["error"]["message"]

    # A township's staff records a new secretary of its village, but may not rename it,
    # and another township's staff does not see it at all.
    staff = auth(Role.TOWNSHIP_STAFF, TOWNSHIP)
    secretary = await client.patch(
        f"/v1/units/{NEW_VILLAGE}", json={"secretary": "赵二", "reason": "换届"}, headers=staff
    )
    assert secretary.status_code == 200, secretary.text
    assert secretary.json()["secretary"] == "赵二"
    rename = await client.patch(f"/v1/units/{NEW_VILLAGE}", json={"name": "改名村"}, headers=staff)
    assert rename.status_code == 403
    other = await client.patch(
        f"/v1/units/{NEW_VILLAGE}",
        json={"secretary": "钱三"},
        headers=auth(Role.TOWNSHIP_STAFF, OTHER_TOWNSHIP),
    )
    assert other.status_code == 404

    # A village cannot hang below another village, nor outside its parent's code range.
    misplaced = await client.post(
        "/v1/units", json=new | {"code": OTHER_NEW, "parent": VILLAGE}, headers=city()
    )
    assert misplaced.status_code == 422
    wrong_range = await client.post(
        "/v1/units", json=new | {"code": "340811100290", "parent": TOWNSHIP}, headers=city()
    )
    assert wrong_range.status_code == 422
    assert "代码" in wrong_range.json()["error"]["message"]

    merged = await client.post(
        f"/v1/units/{NEW_VILLAGE}/merge",
        json={"into": VILLAGE, "reason": "村并村"},
        headers=city(),
    )
    assert merged.status_code == 200, merged.text
    assert merged.json() | {"active": False, "merged_into": VILLAGE} == merged.json()
    listed = await client.get("/v1/units", params={"region": TOWNSHIP}, headers=city())
    assert NEW_VILLAGE not in {u["code"] for u in listed.json()}
    # The merged unit's name stays readable for its old records.
    kept = await client.get(f"/v1/units/{NEW_VILLAGE}", headers=city())
    assert kept.json()["name"] == "新合村"
    late = await client.patch(
        f"/v1/units/{NEW_VILLAGE}", json={"secretary": "孙四"}, headers=city()
    )
    assert late.status_code == 409

    # Each change is one event, keyed by the unit, versions 1..3, the whole state in each.
    records = await collect(
        infra.kafka_bootstrap_servers,
        DIVISIONS.name,
        since,
        match=lambda r: r.key == NEW_VILLAGE.encode(),
        until=lambda found: len(found) >= 3,
    )
    events = [decode_record(r.headers, r.value) for r in records]
    assert [(e.type, e.aggregate_version) for e in events] == [
        ("lingban.projects.unit-registered.v1", 1),
        ("lingban.projects.unit-updated.v1", 2),
        ("lingban.projects.unit-merged.v1", 3),
    ]
    assert events[1].data["changed"] == ["secretary"]
    assert events[1].actor.id == f"{Role.TOWNSHIP_STAFF.value}@{TOWNSHIP}"

    # Another service's copy, fed the events twice and newest first, ends where the owner is.
    copy = divisions.handlers(database)
    await divisions.seed(database, default_tree())
    for event in [*reversed(events), *events]:
        await copy[event.type](event)
    [unit] = [u for u in await divisions.load(database) if u.code == NEW_VILLAGE]
    assert (unit.active, unit.merged_into, unit.secretary) == (False, VILLAGE, "赵二")


async def test_an_import_with_one_bad_row_changes_nothing_and_names_the_row(
    api: ProjectsApi,
) -> None:
    client = api.http
    before = (await client.get("/v1/units", params={"region": TOWNSHIP}, headers=city())).json()
    answer = await upload(
        client,
        sheet(
            [
                [NEW_VILLAGE, "新合村", "村", TOWNSHIP, "王一"],
                [OTHER_NEW, "", "社区", TOWNSHIP, "李二"],  # row 3: no name
                [VILLAGE, "海口村", "村", TOWNSHIP, "丁"],
            ]
        ),
    )
    assert answer.status_code == 422, answer.text
    error = answer.json()["error"]
    assert error["imported"] == 0
    assert [(r["row"], r["column"]) for r in error["refused"]] == [(3, "单位名称")]
    assert "第 3 行" in error["message"]
    after = (await client.get("/v1/units", params={"region": TOWNSHIP}, headers=city())).json()
    assert after == before


async def test_an_import_registers_new_units_and_updates_known_ones(
    api: ProjectsApi, infra: Endpoints
) -> None:
    client = api.http
    template = await client.get("/v1/units/import-template", headers=city())
    assert template.status_code == 200
    headers = [c.value for c in load_workbook(io.BytesIO(template.content)).active[1]]
    assert headers == [c.header for c in COLUMNS]

    since = await end_offsets(infra.kafka_bootstrap_servers, DIVISIONS.name)
    answer = await upload(
        client,
        sheet(
            [
                # A child listed before its new parent is fine: parents are placed first.
                [NEW_TOWNSHIP_VILLAGE, "新建社区", "社区", NEW_TOWNSHIP, "周五"],
                [NEW_TOWNSHIP, "新城街道", "街道", DISTRICT, "郑七"],
                [VILLAGE, "海口村", "村", TOWNSHIP, "吴六"],  # a new secretary
                [SECOND_VILLAGE, unit_name(SECOND_VILLAGE), "村", TOWNSHIP, ""],
                [NEW_VILLAGE, "新合村", "village", TOWNSHIP, "王一"],
            ]
        ),
    )
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"rows": 5, "registered": 3, "updated": 1, "unchanged": 1}
    below = await client.get("/v1/units", params={"region": NEW_TOWNSHIP}, headers=city())
    assert [u["code"] for u in below.json()] == [NEW_TOWNSHIP, NEW_TOWNSHIP_VILLAGE]
    north = await client.get(f"/v1/units/{VILLAGE}", headers=city())
    assert north.json()["secretary"] == "吴六"
    records = await collect(
        infra.kafka_bootstrap_servers,
        DIVISIONS.name,
        since,
        match=lambda r: (
            r.key in (NEW_VILLAGE.encode(), NEW_TOWNSHIP_VILLAGE.encode(), VILLAGE.encode())
        ),
        until=lambda found: len(found) >= 3,
    )
    assert sorted(decode_record(r.headers, r.value).type for r in records) == [
        "lingban.projects.unit-registered.v1",
        "lingban.projects.unit-registered.v1",
        "lingban.projects.unit-updated.v1",
    ]
    # Only the organisation department imports.
    refused = await client.post(
        "/v1/units/import",
        files={"file": ("x.xlsx", sheet([]), XLSX)},
        headers=auth(Role.TOWNSHIP_SECRETARY, TOWNSHIP),
    )
    assert refused.status_code == 403
