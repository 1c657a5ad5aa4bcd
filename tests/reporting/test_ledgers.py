"""Ledgers (台账) and forms on the real database: each XLSX opens, its rows are the API's.

Events go in through the projector, as the other query tests seed them; a
year of their own keeps other tests' events (applied by the live consumer)
out of the rows compared.
"""

from __future__ import annotations

import io
import random
import re
from typing import Any

import openpyxl  # type: ignore[import-untyped]
import pytest

from lingban_contracts import Envelope
from lingban_contracts.events import supervision as sv
from lingban_contracts.registry import event_type
from lingban_kit.auth import Role
from lingban_kit.mongo import Database
from lingban_reporting.projector import Projector
from lingban_reporting.read_models.generations import ReadModels, active_models
from lingban_reporting.synthetic import project_year_events
from lingban_reporting.synthetic_supervision import supervision_year_events
from tests.auth import auth
from tests.reporting.conftest import CITY, OTHER_TOWNSHIP, TOWNSHIP, VILLAGE, ReportingApi
from tests.reporting.project_world import World

pytestmark = pytest.mark.integration

YEAR = 2023
LEADER = auth(Role.LEADER, CITY)
TOWNSHIP_SECRETARY = auth(Role.TOWNSHIP_SECRETARY, TOWNSHIP)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MONTH = r"\d{4}-\d{2}"
LISTS = ("projects", "problems", "rectifications", "visits")


async def seed(api: ReportingApi, events: list[Envelope]) -> None:
    await Projector(api.db).apply(events, await active_models(api.db))


async def get_json(api: ReportingApi, path: str, headers: dict[str, str], **params: Any) -> Any:
    response = await api.http.get(path, params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def sheet_of(
    api: ReportingApi, path: str, headers: dict[str, str], **params: Any
) -> tuple[Any, list[list[Any]]]:
    """The sheet and its data rows (below title, subtitle and headers)."""
    response = await api.http.get(path, params=params, headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == XLSX
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment; filename=")
    assert "filename*=UTF-8''" in disposition
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = [list(r) for r in sheet.iter_rows(min_row=4, values_only=True)]
    return sheet, rows


def column(sheet: Any, rows: list[list[Any]], header: str) -> list[Any]:
    headers = [c.value for c in sheet[3]]
    index = headers.index(header)
    return [row[index] for row in rows]


@pytest.fixture
async def project_events(reporting: ReportingApi) -> list[Envelope]:
    events = project_year_events(120, seed=31, year=YEAR)
    await seed(reporting, events)
    return events


@pytest.fixture
async def supervision_events(reporting: ReportingApi) -> list[Envelope]:
    events = supervision_year_events(year=YEAR, months=3, seed=13)
    await seed(reporting, events)
    return events


async def test_project_ledger_rows_are_the_list_apis(
    reporting: ReportingApi, project_events: list[Envelope]
) -> None:
    for headers, params in (
        (LEADER, {}),
        (LEADER, {"status": "in_execution"}),
        (TOWNSHIP_SECRETARY, {}),
        (LEADER, {"region": VILLAGE}),
    ):
        page = await get_json(reporting, "/v1/projects", headers, year=YEAR, limit=500, **params)
        assert page["total"] == len(page["items"])  # one page holds the whole list
        sheet, rows = await sheet_of(
            reporting, "/v1/ledgers/projects.xlsx", headers, year=YEAR, **params
        )
        items = page["items"]
        assert column(sheet, rows, "项目编号") == [p["id"] for p in items], params
        assert column(sheet, rows, "序号") == list(range(1, len(items) + 1))
        assert column(sheet, rows, "状态") == [p["status_zh"] for p in items]
        assert column(sheet, rows, "项目名称") == [p["title"] for p in items]
        assert column(sheet, rows, "单位") == [p["unit_name"] for p in items]
        assert column(sheet, rows, "阶段完成") == [
            f"{p['stages_done']}/{p['stages_total']}" for p in items
        ]
        assert column(sheet, rows, "逾期阶段") == [
            "、".join(p["overdue_months"]) or None for p in items
        ]
        assert column(sheet, rows, "周报数") == [p["weekly_reports"] for p in items]
    sheet, rows = await sheet_of(reporting, "/v1/ledgers/projects.xlsx", LEADER, year=YEAR)
    assert rows, "the generated year has projects"
    assert sheet["A1"].value == f"桐城市{YEAR}年度书记领办项目清单"
    assert "桐城市" in sheet["A2"].value
    assert f"{YEAR}年度" in sheet["A2"].value
    assert sheet.freeze_panes == "A4"
    assert sheet.column_dimensions["E"].width == 36  # 项目名称

    township, _ = await sheet_of(
        reporting, "/v1/ledgers/projects.xlsx", TOWNSHIP_SECRETARY, year=YEAR
    )
    assert township["A1"].value.startswith("新渡镇")


async def test_printable_project_list_has_the_rows(
    reporting: ReportingApi, project_events: list[Envelope]
) -> None:
    page = await get_json(reporting, "/v1/projects", TOWNSHIP_SECRETARY, year=YEAR, limit=500)
    response = await reporting.http.get(
        "/v1/ledgers/projects.html", params={"year": YEAR}, headers=TOWNSHIP_SECRETARY
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert "@page { size: A4 landscape" in html
    assert f"新渡镇{YEAR}年度书记领办项目清单" in html
    assert html.count("<tr><td>") == page["total"]
    assert f"共 {page['total']} 条" in html
    for item in page["items"]:
        assert item["id"] in html
    others = await get_json(reporting, "/v1/projects", LEADER, year=YEAR, limit=500)
    outside = [p for p in others["items"] if not p["unit_code"].startswith(TOWNSHIP[:9])]
    assert outside
    assert all(p["id"] not in html for p in outside)


async def test_supervision_ledgers_match_the_figures_and_lists(
    reporting: ReportingApi, supervision_events: list[Envelope]
) -> None:
    overview = await get_json(reporting, "/v1/overview", LEADER, year=YEAR)

    sheet, rows = await sheet_of(reporting, "/v1/ledgers/problems.xlsx", LEADER, year=YEAR)
    assert len(rows) == overview["problems"]["total"] > 0
    assert column(sheet, rows, "状态").count("已办结") == overview["problems"]["resolved"]
    registered = {
        e.data["problem_id"]: e.data
        for e in supervision_events
        if e.type == event_type(sv.ProblemRegistered)
    }
    by_id = dict(zip(column(sheet, rows, "问题编号"), rows, strict=True))
    assert set(by_id) == set(registered)
    some_id, some = next(iter(registered.items()))
    headers = [c.value for c in sheet[3]]
    assert by_id[some_id][headers.index("问题描述")] == some["description"]
    assert by_id[some_id][headers.index("来源")] == "群众提"
    assert by_id[some_id][headers.index("收集渠道")] == "驻点走访"
    _, resolved = await sheet_of(
        reporting, "/v1/ledgers/problems.xlsx", LEADER, year=YEAR, status="resolved"
    )
    assert len(resolved) == overview["problems"]["resolved"]
    _, by_channel = await sheet_of(
        reporting, "/v1/ledgers/problems.xlsx", LEADER, year=YEAR, channel="forum"
    )
    assert len(by_channel) == sum(1 for p in registered.values() if p["channel"] == "forum")

    sheet, rows = await sheet_of(reporting, "/v1/ledgers/visits.xlsx", LEADER, year=YEAR)
    assert len(rows) == overview["visits"]["visits"] > 0
    assert sum(column(sheet, rows, "收集意见数")) == overview["visits"]["problems_raised"]

    listed = await get_json(reporting, "/v1/rectifications", LEADER, limit=1000)
    ours = {
        e.data["rectification_id"]
        for e in supervision_events
        if e.type == event_type(sv.InspectionFailed)
    }
    items = [i for i in listed["items"] if i["id"] in ours]
    sheet, rows = await sheet_of(reporting, "/v1/ledgers/rectifications.xlsx", LEADER, year=YEAR)
    assert column(sheet, rows, "整改编号") == [i["id"] for i in items]
    assert column(sheet, rows, "整改时限") == [i["deadline"] for i in items]
    zh = {"open": "整改中", "overdue": "已逾期", "closed": "已销号"}
    assert column(sheet, rows, "状态") == [zh[i["status"]] for i in items]
    verification = column(sheet, rows, "核验结果")
    for item, result in zip(items, verification, strict=True):
        if item["status"] == "closed":
            assert result.startswith("核验通过"), result
    _, closed = await sheet_of(
        reporting, "/v1/ledgers/rectifications.xlsx", LEADER, year=YEAR, status="closed"
    )
    assert len(closed) == sum(1 for i in items if i["status"] == "closed") > 0

    response = await reporting.http.get(
        "/v1/ledgers/rectifications.html", params={"year": YEAR}, headers=LEADER
    )
    assert response.status_code == 200
    assert response.text.count("<tr><td>") == len(items)


async def test_another_townships_ledgers_and_forms_are_refused(
    reporting: ReportingApi,
    project_events: list[Envelope],
    supervision_events: list[Envelope],
) -> None:
    for name in LISTS:
        for suffix in ("xlsx", "html"):
            response = await reporting.http.get(
                f"/v1/ledgers/{name}.{suffix}",
                params={"year": YEAR, "region": OTHER_TOWNSHIP},
                headers=TOWNSHIP_SECRETARY,
            )
            assert response.status_code == 403, (name, suffix)
            assert "管辖范围" in response.json()["error"]["message"]
        unsigned = await reporting.http.get(f"/v1/ledgers/{name}.xlsx")
        assert unsigned.status_code == 401

    project = next(e for e in project_events if not e.data["unit_code"].startswith(TOWNSHIP[:9]))
    inspection = next(
        e
        for e in supervision_events
        if e.type == event_type(sv.InspectionRecorded)
        and not e.data["unit_code"].startswith(TOWNSHIP[:9])
    )
    for path in (
        f"/v1/ledgers/projects/{project.aggregate_id}/declaration.html",
        f"/v1/ledgers/projects/{project.aggregate_id}/declaration.xlsx",
        f"/v1/ledgers/inspections/{inspection.data['inspection_id']}/record.html",
        f"/v1/ledgers/inspections/{inspection.data['inspection_id']}/record.xlsx",
    ):
        refused = await reporting.http.get(path, headers=TOWNSHIP_SECRETARY)
        assert refused.status_code == 404, path
        assert (await reporting.http.get(path, headers=LEADER)).status_code == 200, path


async def test_declaration_form_prints_the_declared_plan(reporting: ReportingApi) -> None:
    world = World(YEAR)
    project = world.add(VILLAGE, "北塘村老旧小区加装电梯").approve().start()
    await seed(reporting, world.events())

    path = f"/v1/ledgers/projects/{project.id}/declaration"
    response = await reporting.http.get(f"{path}.html", headers=TOWNSHIP_SECRETARY)
    assert response.status_code == 200
    html = response.text
    assert f"{YEAR}年度书记领办项目申报表" in html
    for text in (
        "北塘村老旧小区加装电梯",
        "北塘村",
        "群众反映强烈的难点",
        "年底前解决",
        "张书记",
        "李四",
        f"{YEAR}-05 任务",
        "研判通过",
        "可行性 90",
        "实施中",
    ):
        assert text in html, text
    assert "@page { size: A4 portrait" in html

    response = await reporting.http.get(f"{path}.xlsx", headers=TOWNSHIP_SECRETARY)
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    fields = {r[0]: r[1] for r in sheet.iter_rows(min_row=4, values_only=True) if r and r[0]}
    assert fields["项目名称"] == "北塘村老旧小区加装电梯"
    assert fields["预期目标"] == "年底前解决"
    months = [r[0] for r in sheet.iter_rows(values_only=True) if re.fullmatch(MONTH, str(r[0]))]
    assert months == project.months()

    missing = await reporting.http.get("/v1/ledgers/projects/nope/declaration.html", headers=LEADER)
    assert missing.status_code == 404


async def test_inspection_record_prints_checklist_findings_and_rectification(
    reporting: ReportingApi, supervision_events: list[Envelope]
) -> None:
    failed = next(e for e in supervision_events if e.type == event_type(sv.InspectionFailed))
    recorded = next(
        e
        for e in supervision_events
        if e.type == event_type(sv.InspectionRecorded)
        and e.data["inspection_id"] == failed.data["inspection_id"]
    )
    response = await reporting.http.get(
        f"/v1/ledgers/inspections/{failed.data['inspection_id']}/record.html", headers=LEADER
    )
    assert response.status_code == 200
    html = response.text
    assert "督导检查记录" in html
    assert "未通过" in html
    for item in recorded.data["checklist"]:
        assert item["item"] in html
    for finding in recorded.data["findings"]:
        assert finding in html
    assert "整改情况" in html
    assert failed.data["rectification_id"] in html
    assert f"<td>{recorded.data['score']}</td>" in html


def _comparable(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if k not in ("rev", "updated_at")}


async def test_supervision_documents_converge_whatever_the_order(database: Database) -> None:
    """The fields the ledgers read are folded order-independently, like the figures."""
    events = supervision_year_events(year=YEAR, months=2, seed=17)
    in_order = ReadModels(database, "inorder")
    await Projector(database).apply(events, in_order)
    messy = events + random.Random(4).sample(events, len(events) // 2)
    random.Random(6).shuffle(messy)
    shuffled = ReadModels(database, "shuffled")
    for i in range(0, len(messy), 97):
        await Projector(database).apply(messy[i : i + 97], shuffled)
    for name in ("inspections", "rectifications", "problems", "visits"):
        a = [_comparable(d) async for d in getattr(in_order, name).find({}).sort("_id", 1)]
        b = [_comparable(d) async for d in getattr(shuffled, name).find({}).sort("_id", 1)]
        assert a, name
        assert a == b, name
    closed = [d async for d in in_order.rectifications.find({"status": "closed"})]
    assert closed
    assert all(d["verification"]["closed_on"] for d in closed)
    assert all(d["submission"] for d in closed)
