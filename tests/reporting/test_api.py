"""The query API on the real database: figures, filters, pagination, jurisdiction, bulletins."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

import openpyxl  # type: ignore[import-untyped]
import pytest

from lingban_contracts import Envelope
from lingban_contracts.divisions import default_tree
from lingban_contracts.regions import in_subtree
from lingban_kit.auth import Role
from lingban_reporting.projector import Projector
from lingban_reporting.read_models.generations import active_models
from lingban_reporting.synthetic import project_year_events
from lingban_reporting.synthetic_supervision import supervision_year_events
from tests.auth import auth
from tests.reporting.conftest import (
    CITY,
    OTHER_TOWNSHIP,
    TOWNSHIP,
    VILLAGE,
    ReportingApi,
)
from tests.reporting.reference import RefProject, reference_figures, replay

pytestmark = pytest.mark.integration

# A year of its own: the live consumer also applies what other tests put on the topics.
YEAR = 2025

CITY_ORG = auth(Role.CITY_ORG, CITY)
LEADER = auth(Role.LEADER, CITY)
TOWNSHIP_SECRETARY = auth(Role.TOWNSHIP_SECRETARY, TOWNSHIP)


@pytest.fixture
async def year_events(reporting: ReportingApi) -> list[Envelope]:
    events = project_year_events(400, seed=21, year=YEAR)
    await Projector(reporting.db).apply(events, await active_models(reporting.db))
    return events


async def get(api: ReportingApi, path: str, headers: dict[str, str], **params: Any) -> Any:
    response = await api.http.get(path, params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def test_overview_figures_are_those_of_the_events(
    reporting: ReportingApi, year_events: list[Envelope]
) -> None:
    expected = replay(year_events)
    body = await get(reporting, "/v1/overview", LEADER, year=YEAR)
    assert body["region"] == {"code": CITY, "name": "桐城市", "level": "city"}
    assert body["projects"] == reference_figures(expected, "340881")
    units = {p.unit_code for p in expected.values()}
    assert body["coverage"] == {
        "units": len(default_tree()),
        "covered": len(units),
        "uncovered": len(default_tree()) - len(units),
    }
    assert body["supervision"]["inspections"] == 0
    assert body["notifications"]["sent"] == 0
    assert body["as_of"] is not None

    township = await get(reporting, "/v1/overview", TOWNSHIP_SECRETARY, year=YEAR)
    assert township["region"]["code"] == TOWNSHIP
    assert township["projects"] == reference_figures(expected, "340881100")
    fresh = await get(reporting, "/v1/freshness", LEADER)
    # Global (the live consumer also applies other tests' events from the topics).
    assert fresh["applied_events"] >= len(
        {(e.aggregate_id, e.aggregate_version) for e in year_events}
    )
    assert fresh["as_of"] is not None


async def test_breakdowns_drill_down_from_city_to_township(
    reporting: ReportingApi, year_events: list[Envelope]
) -> None:
    expected = replay(year_events)
    city = await get(reporting, "/v1/breakdown/units", LEADER, year=YEAR)
    assert len(city["items"]) == 15
    at_city = sum(1 for p in expected.values() if p.unit_code == CITY)
    assert sum(i["declared"] for i in city["items"]) == len(expected) - at_city
    row = next(i for i in city["items"] if i["unit"]["code"] == TOWNSHIP)
    ref = reference_figures(expected, "340881100")
    assert (row["declared"], row["overdue_projects"], row["overdue_stages"]) == (
        ref["declared"],
        ref["overdue_projects"],
        ref["overdue_stages"],
    )
    assert row["completion_rate"] == ref["completion_rate"]

    villages = await get(reporting, "/v1/breakdown/units", LEADER, year=YEAR, region=TOWNSHIP)
    assert {i["unit"]["level"] for i in villages["items"]} == {"village"}
    assert sum(i["declared"] for i in villages["items"]) == row["declared"] - sum(
        1 for p in expected.values() if p.unit_code == TOWNSHIP
    )

    categories = await get(reporting, "/v1/breakdown/categories", LEADER, year=YEAR)
    assert sum(i["declared"] for i in categories["items"]) == len(expected)

    coverage = await get(reporting, "/v1/coverage", LEADER, year=YEAR, region=TOWNSHIP)
    covered = {p.unit_code for p in expected.values() if p.unit_code.startswith("340881100")}
    assert coverage["covered"] == len(covered)
    assert {u["code"] for u in coverage["uncovered"]}.isdisjoint(covered)
    assert all(u["parent_name"] for u in coverage["uncovered"])


async def test_project_list_filters_and_pages(
    reporting: ReportingApi, year_events: list[Envelope]
) -> None:
    expected = replay(year_events)
    executing = [pid for pid, p in expected.items() if p.status == "in_execution"]
    page = await get(
        reporting, "/v1/projects", LEADER, year=YEAR, status="in_execution", limit=5, offset=0
    )
    assert page["total"] == len(executing)
    rest = await get(
        reporting, "/v1/projects", LEADER, year=YEAR, status="in_execution", limit=500, offset=5
    )
    ids = [p["id"] for p in page["items"]] + [p["id"] for p in rest["items"]]
    assert sorted(ids) == sorted(executing)
    assert page["items"][0]["status_zh"] == "实施中"

    overdue = await get(reporting, "/v1/projects", LEADER, year=YEAR, overdue="true", limit=500)
    assert overdue["total"] == sum(1 for p in expected.values() if p.overdue_months)
    assert all(p["overdue_months"] for p in overdue["items"])

    category = await get(reporting, "/v1/projects", LEADER, year=YEAR, category="小区治理")
    assert category["total"] == sum(1 for p in expected.values() if p.category == "小区治理")

    in_village = await get(reporting, "/v1/projects", LEADER, year=YEAR, region=VILLAGE)
    assert {p["unit_code"] for p in in_village["items"]} <= {VILLAGE}

    stages = await get(reporting, "/v1/overdue-stages", LEADER, year=YEAR, limit=1000)
    assert len(stages["items"]) == sum(len(p.overdue_months) for p in expected.values())


async def test_a_page_is_its_slice_of_the_region_sorted_by_unit(
    reporting: ReportingApi, year_events: list[Envelope]
) -> None:
    """Pages are planned from the figure documents' counts per unit; they must still be
    exactly the slices of the region's list, across unit and township boundaries."""
    expected = replay(year_events)
    for region in (CITY, TOWNSHIP):

        def rows(keep: Callable[[RefProject], bool], region: str = region) -> list[list[str]]:
            return sorted(
                [p.unit_code, pid]
                for pid, p in expected.items()
                if in_subtree(p.unit_code, region) and keep(p)
            )

        for params, keep in (
            ({}, lambda p: True),
            ({"status": "in_execution"}, lambda p: p.status == "in_execution"),
            ({"overdue": "false"}, lambda p: not p.overdue_months),
            # Two filters at once: not counted per unit, so read and sorted.
            (
                {"category": "小区治理", "status": "draft"},
                lambda p: p.category == "小区治理" and p.status == "draft",
            ),
        ):
            wanted = rows(keep)
            for offset, limit in ((0, 7), (5, 40), (33, 100), (max(len(wanted) - 3, 0), 10)):
                page = await get(
                    reporting,
                    "/v1/projects",
                    LEADER,
                    year=YEAR,
                    region=region,
                    limit=limit,
                    offset=offset,
                    **params,
                )
                assert page["total"] == len(wanted), (region, params)
                got = [[p["unit_code"], p["id"]] for p in page["items"]]
                assert got == wanted[offset : offset + limit], (region, params, offset, limit)


async def test_jurisdiction_limits_every_query(
    reporting: ReportingApi, year_events: list[Envelope]
) -> None:
    for path in ("/v1/overview", "/v1/breakdown/units", "/v1/projects", "/v1/coverage"):
        response = await reporting.http.get(
            path, params={"region": OTHER_TOWNSHIP}, headers=TOWNSHIP_SECRETARY
        )
        assert response.status_code == 403, path
        assert "管辖范围" in response.json()["error"]["message"]
    english = await reporting.http.get(
        "/v1/overview",
        params={"region": CITY},
        headers={**TOWNSHIP_SECRETARY, "Accept-Language": "en"},
    )
    assert "outside your jurisdiction" in english.json()["error"]["message"]
    assert (
        await reporting.http.get("/v1/rankings/townships", headers=TOWNSHIP_SECRETARY)
    ).status_code == 403
    assert (await reporting.http.get("/v1/overview")).status_code == 401

    outside = next(e for e in year_events if not e.data["unit_code"].startswith("340881100"))
    response = await reporting.http.get(
        f"/v1/projects/{outside.aggregate_id}", headers=TOWNSHIP_SECRETARY
    )
    assert response.status_code == 404
    inside = await get(reporting, f"/v1/projects/{outside.aggregate_id}", LEADER)
    assert inside["id"] == outside.aggregate_id
    assert inside["unit_name"]

    bad = await reporting.http.get("/v1/overview", params={"region": "12"}, headers=LEADER)
    assert bad.status_code == 422


async def test_rankings_put_the_best_township_first(
    reporting: ReportingApi, year_events: list[Envelope]
) -> None:
    body = await get(reporting, "/v1/rankings/townships", LEADER, year=YEAR)
    rates = [i["completion_rate"] for i in body["items"]]
    assert [i["rank"] for i in body["items"]] == list(range(1, 16))
    assert rates == sorted(rates, reverse=True)
    overdue = await get(
        reporting, "/v1/rankings/townships", LEADER, year=YEAR, metric="overdue_rate"
    )
    values = [i["value"] for i in overdue["items"]]
    assert values == sorted(values)


async def test_rectification_lists_by_status(reporting: ReportingApi) -> None:
    events = supervision_year_events(months=4, seed=5)
    await Projector(reporting.db).apply(events, await active_models(reporting.db))
    opened = {
        e.data["rectification_id"]: e.data for e in events if "rectification-opened" in e.type
    }
    closed = {e.data["rectification_id"] for e in events if "rectification-verified" in e.type}
    assert closed
    assert set(opened) - closed  # some still open: every deadline is before the fixed today

    async def listed(status: str | None) -> dict[str, dict[str, Any]]:
        params = {"limit": 1000} | ({"status": status} if status else {})
        body = await get(reporting, "/v1/rectifications", LEADER, **params)
        # The live consumer may add other tests' rectifications: keep this test's own.
        return {i["id"]: i for i in body["items"] if i["id"] in opened}

    every = await listed(None)
    assert set(every) == set(opened)
    item = every[next(iter(closed))]
    source = opened[item["id"]]
    assert item["unit"]["code"] == source["unit_code"]
    assert item["deadline"] == str(source["deadline"])
    assert item["project_id"] is None
    assert item["status"] == "closed"
    assert set(await listed("closed")) == closed
    # Deadlines of January to May have passed by 2026-07-15: whatever is open is overdue.
    assert set(await listed("overdue")) == set(opened) - closed
    assert set(await listed("open")) == set(opened) - closed
    assert {i["status"] for i in (await listed("open")).values()} == {"overdue"}

    township = await get(reporting, "/v1/rectifications", TOWNSHIP_SECRETARY, limit=1000)
    assert {i["unit"]["code"][:9] for i in township["items"]} <= {TOWNSHIP[:9]}


async def test_quarterly_bulletin_as_json_csv_and_xlsx(
    reporting: ReportingApi, year_events: list[Envelope]
) -> None:
    expected = replay(year_events)
    body = await get(reporting, f"/v1/bulletins/{YEAR}-Q2", LEADER)
    assert body["title"] == f"{YEAR}年第2季度书记领办项目工作通报"
    assert body["period"] == {"start": f"{YEAR}-04-01", "end": f"{YEAR}-06-30"}
    assert [r["rank"] for r in body["rows"]] == list(range(1, 16))
    at_city = sum(1 for p in expected.values() if p.unit_code == CITY)
    assert sum(r["declared"] for r in body["rows"]) == len(expected) - at_city
    q2 = {f"{YEAR}-04", f"{YEAR}-05", f"{YEAR}-06"}
    assert sum(r["overdue_stages"] for r in body["rows"]) == sum(
        len(q2 & p.overdue) for p in expected.values()
    )

    response = await reporting.http.get(
        f"/v1/bulletins/{YEAR}-Q2", params={"format": "csv"}, headers=LEADER
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.content.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert lines[2][:3] == ["排名", "单位", "区划代码"]
    assert len(lines) == 3 + 15

    response = await reporting.http.get(
        f"/v1/bulletins/{YEAR}-Q2", params={"format": "xlsx"}, headers=LEADER
    )
    assert response.status_code == 200
    assert "attachment" in response.headers["content-disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet.cell(row=3, column=2).value == "单位"
    assert sheet.cell(row=4, column=1).value == 1
    assert sheet.max_row == 3 + 15

    bad = await reporting.http.get(f"/v1/bulletins/{YEAR}-Q5", headers=LEADER)
    assert bad.status_code == 422
