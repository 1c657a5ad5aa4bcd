"""The issue's acceptance scenario: a month of supervision for one township through
the HTTP API, with the right events on Kafka and the right figures.

Two groups (city and township) plan the half months of March; the city group
draws projects at random (sealed), inspects one unannounced — the unit cannot
see it until it is recorded — and fails it (team absent); the rectification
goes overdue, is submitted late and verified; the draw is disclosed and
audited. Meanwhile the township's stationed team logs visits whose opinions
enter the problem list, and the month's figures come out right.
"""

from __future__ import annotations

import pytest

from devstack.infra import Endpoints
from lingban_contracts import Envelope, decode_record
from lingban_contracts.topics import PROJECTS, SUPERVISION
from lingban_kit.auth import Role
from lingban_kit.testing import Record, collect, end_offsets
from tests.auth import auth

from .builders import CITY, TOWNSHIP, VILLAGE, VILLAGE_2, checklist_json
from .conftest import PublishProject, SupervisionApi

pytestmark = pytest.mark.integration

CITY_ORG = auth(Role.CITY_ORG, CITY)
SUPERVISOR = auth(Role.SUPERVISOR, CITY)
LEADER = auth(Role.LEADER, CITY)
TOWNSHIP_SEC = auth(Role.TOWNSHIP_SECRETARY, TOWNSHIP)
TOWNSHIP_STAFF = auth(Role.TOWNSHIP_STAFF, TOWNSHIP)
MEMBERS = [
    {"name": "王组长", "department": "组织部", "leader": True},
    {"name": "李督导", "department": "纪委监委"},
    {"name": "赵督导", "department": "农业农村局"},
]


async def test_a_month_of_supervision(
    api: SupervisionApi, publish_project: PublishProject, infra: Endpoints
) -> None:
    call = api.call
    since = await end_offsets(infra.kafka_bootstrap_servers, SUPERVISION.name)

    # Projects in execution in the township, as the projects service announces them.
    mine = [
        await publish_project(VILLAGE, "小区治理"),
        await publish_project(VILLAGE_2, "小区治理"),
        await publish_project(VILLAGE, "民生服务"),
        await publish_project("340881100203", "民生服务"),
    ]
    not_inspectable = [
        await publish_project(VILLAGE, "民生服务", in_execution=False),
        await publish_project(VILLAGE_2, "民生服务", completed=True),
    ]

    async def pool() -> list[str]:
        rows = await call(
            "GET", f"/v1/inspectable-projects?year=2026&region={TOWNSHIP}", SUPERVISOR
        )
        return [r["project_id"] for r in rows]

    # The events of different projects arrive in any order: wait until the
    # service has handled every one of them, not just until mine show up.
    published = await end_offsets(infra.kafka_bootstrap_servers, PROJECTS.name)

    async def all_handled() -> bool:
        return await api.consumed(published)

    await api.eventually(all_handled, "every published project event to be handled")
    in_pool = set(await pool())
    assert in_pool == set(mine)
    assert not in_pool & set(not_inspectable)

    # Two groups: the city's and the township's.
    api.at(3, 2)
    city_group = await call(
        "POST",
        "/v1/groups",
        CITY_ORG,
        {
            "region_code": CITY,
            "year": 2026,
            "name": "市第一督导组",
            "members": MEMBERS,
            "covered_units": [TOWNSHIP],
        },
        201,
    )
    township_group = await call(
        "POST",
        "/v1/groups",
        TOWNSHIP_SEC,
        {
            "region_code": TOWNSHIP,
            "year": 2026,
            "name": "新渡镇督导组",
            "members": MEMBERS[1:],
            "covered_units": [VILLAGE, VILLAGE_2, "340881100203"],
        },
        201,
    )
    assert city_group["level"] == "city"
    assert city_group["departments"] == ["组织部", "纪委监委", "农业农村局"]
    assert township_group["level"] == "township"

    # The city group draws at random, sealed for unannounced inspections.
    sample = await call(
        "POST",
        "/v1/samples",
        SUPERVISOR,
        {"group_id": city_group["id"], "half_month": "2026-03-H1", "sealed": True},
        201,
    )
    pool_now = await pool()
    assert sample["strata"][0]["township_code"] == TOWNSHIP
    assert len(sample["pool"]) == len(pool_now)
    assert {s["category"] for s in sample["strata"]} >= {"小区治理", "民生服务"}
    assert len(sample["drawn_project_ids"]) == len(sample["strata"])
    target = sample["drawn_project_ids"][0]
    target_unit = next(p["unit_code"] for p in sample["pool"] if p["project_id"] == target)
    unit_secretary = auth(Role.VILLAGE_SECRETARY, target_unit)
    sealed_view = await call("GET", f"/v1/samples/{sample['id']}", LEADER)
    assert sealed_view["seed"] is None
    assert sealed_view["drawn_project_ids"] == []

    # Plans: half-monthly, on site; the city's unannounced one is hidden from the unit.
    unannounced = await call(
        "POST",
        "/v1/inspections",
        SUPERVISOR,
        {
            "group_id": city_group["id"],
            "planned_on": "2026-03-12",
            "method": "unannounced",
            "project_id": target,
            "sample_id": sample["id"],
        },
        201,
    )
    township_first = await call(
        "POST",
        "/v1/inspections",
        TOWNSHIP_STAFF,
        {
            "group_id": township_group["id"],
            "planned_on": "2026-03-05",
            "method": "on_site",
            "unit_code": VILLAGE,
        },
        201,
    )
    township_second = await call(
        "POST",
        "/v1/inspections",
        TOWNSHIP_STAFF,
        {
            "group_id": township_group["id"],
            "planned_on": "2026-03-20",
            "method": "household_visit",
            "unit_code": VILLAGE_2,
        },
        201,
    )
    hidden = f"/v1/inspections/{unannounced['id']}"
    await call("GET", hidden, unit_secretary, expect=404)
    await call("GET", hidden, TOWNSHIP_SEC, expect=404)  # the city group's plan
    listed = await call("GET", "/v1/inspections", unit_secretary)
    assert unannounced["id"] not in [i["id"] for i in listed]
    seen = await call(
        "GET", f"/v1/inspections/{township_first['id']}", auth(Role.VILLAGE_SECRETARY, VILLAGE)
    )
    assert seen["announced"] is True

    # Inspections: the township's pass; the unannounced one finds the team absent.
    api.at(3, 5)
    passed = await call(
        "POST",
        f"/v1/inspections/{township_first['id']}/result",
        TOWNSHIP_STAFF,
        {"inspected_on": "2026-03-05", "checklist": checklist_json(5, 3), "findings": []},
    )
    assert passed["status"] == "passed"
    assert passed["result"]["score"] == 92
    api.at(3, 12)
    failed = await call(
        "POST",
        f"{hidden}/result",
        SUPERVISOR,
        {
            "inspected_on": "2026-03-12",
            "checklist": checklist_json(0, 10),
            "team_absent": True,
            "findings": ["工作专班无人在岗", "阶段任务滞后"],
            "photos": [{"name": "现场.jpg", "content_type": "image/jpeg", "size_bytes": 204800}],
        },
    )
    assert failed["status"] == "failed"
    assert failed["result"]["score"] == 0
    assert failed["result"]["deductions"] == 100
    rectification = failed["rectification"]
    assert rectification["deadline"] == "2026-03-27"
    metrics = (await api.http.get("/metrics")).text
    assert 'lingban_supervision_inspections_recorded_total{outcome="failed"}' in metrics
    assert rectification["status"] == "open"
    assert (await call("GET", hidden, unit_secretary))["status"] == "failed"
    api.at(3, 20)
    await call(
        "POST",
        f"/v1/inspections/{township_second['id']}/result",
        TOWNSHIP_STAFF,
        {"inspected_on": "2026-03-20", "checklist": checklist_json(10, 10, 5)},
    )

    # The cadence rule: the township group met it; the city group has one on-site visit.
    township_cadence = await call(
        "GET", f"/v1/groups/{township_group['id']}/cadence?month=2026-03", TOWNSHIP_SEC
    )
    assert township_cadence["on_site_recorded"] == 2
    assert township_cadence["met"] is True
    city_cadence = await call(
        "GET", f"/v1/groups/{city_group['id']}/cadence?month=2026-03", SUPERVISOR
    )
    assert city_cadence["on_site_recorded"] == 1
    assert city_cadence["every_half_month_covered"] is False
    assert city_cadence["met"] is False

    # Overdue: the deadline passes; the check flags it once.
    api.at(3, 27)
    assert await call("POST", "/v1/operations/checks", CITY_ORG) == {"rectifications_overdue": []}
    api.at(3, 28)
    first = await call("POST", "/v1/operations/checks", CITY_ORG)
    assert first == {"rectifications_overdue": [rectification["id"]]}
    assert await call("POST", "/v1/operations/checks", CITY_ORG) == {"rectifications_overdue": []}
    overdue_view = await call("GET", hidden, unit_secretary)
    assert overdue_view["rectification_overdue"] is True

    # The unit submits late; the city group verifies and closes it.
    api.at(3, 29)
    await call(
        "POST",
        f"{hidden}/rectification/verification",
        SUPERVISOR,
        {"decision": "close"},
        expect=409,
    )
    submitted = await call(
        "POST",
        f"{hidden}/rectification/submission",
        unit_secretary,
        {"measures": ["专班成员实行 AB 岗", "每日在岗打卡"], "narrative": "已整改到位"},
    )
    assert submitted["rectification"]["status"] == "submitted"
    api.at(3, 30)
    closed = await call(
        "POST",
        f"{hidden}/rectification/verification",
        SUPERVISOR,
        {"decision": "close", "comment": "核验属实，同意销号"},
    )
    assert closed["rectification"]["status"] == "closed"
    assert closed["rectification"]["closed_on"] == "2026-03-30"

    # The draw is disclosed and anyone in the city can audit it.
    disclosed = await call("POST", f"/v1/samples/{sample['id']}/disclosure", SUPERVISOR)
    assert disclosed["seed"]
    audit = await call("GET", f"/v1/samples/{sample['id']}/audit", LEADER)
    assert audit["matches"] is True
    assert audit["recorded"] == sample["drawn_project_ids"]

    # Stationed contact: visits, four must-visits, opinions into the problem list.
    api.at(3, 18)
    visit = await call(
        "POST",
        "/v1/visits",
        TOWNSHIP_STAFF,
        {
            "unit_code": VILLAGE,
            "visited_on": "2026-03-18",
            "visitor": "驻村领导",
            "visitor_role": "leader",
            "team": ["驻村干部甲"],
            "households": [
                {"kind": "veteran_party_member"},
                {"kind": "petitioner"},
                {"kind": "ordinary"},
            ],
            "opinions": [
                {"description": "路灯损坏", "category": "人居环境"},
                {"description": "低保评议不公开", "category": "作风建设", "level": "individual"},
            ],
        },
        201,
    )
    assert visit["four_must_visits"] == ["veteran_party_member", "petitioner"]
    await call(
        "POST",
        "/v1/visits",
        TOWNSHIP_STAFF,
        {
            "unit_code": VILLAGE_2,
            "visited_on": "2026-03-18",
            "visitor": "驻村工作队",
            "visitor_role": "team",
            "households": [{"kind": "in_difficulty"}],
        },
        201,
    )

    async def problems_registered() -> bool:
        found = await call("GET", f"/v1/problems?region={TOWNSHIP}&month=2026-03", TOWNSHIP_SEC)
        return len(found) == 2

    await api.eventually(problems_registered, "the visit's opinions to enter the problem list")
    first_problem = f"/v1/problems/{visit['problem_ids'][0]}"
    await call("POST", f"{first_problem}/status", TOWNSHIP_STAFF, {"status": "in_progress"})
    await call("POST", f"{first_problem}/resolution", TOWNSHIP_STAFF, {"resolution": "已更换路灯"})
    await call(
        "POST",
        "/v1/problems",
        TOWNSHIP_SEC,
        {
            # The inspected unit: a problem names only an inspection of its unit (LB-15).
            "unit_code": target_unit,
            "year": 2026,
            "source": "superior",
            "channel": "inspection",
            "category": "项目推进",
            "level": "organisation",
            "description": "工作专班无人在岗",
            "inspection_id": unannounced["id"],
            "measures": ["AB 岗"],
        },
        201,
    )

    figures = await call("GET", f"/v1/visits/figures?region={TOWNSHIP}&month=2026-03", TOWNSHIP_SEC)
    [township_figures] = figures
    assert township_figures["units"] == 15
    assert township_figures["units_visited"] == 2
    # Villages with a visit (the former visit rate); without a roster no households to cover.
    assert township_figures["village_visit_rate"] == round(2 / 15, 4)
    assert township_figures["visit_rate"] == 0.0
    assert township_figures["four_must_visit_households"] == 3
    assert township_figures["problems_raised"] == 2
    assert township_figures["problems_resolved"] == 1
    assert township_figures["resolution_rate"] == 0.5
    counts = await call("GET", f"/v1/problems/counts?region={TOWNSHIP}&year=2026", LEADER)
    assert counts["total"] == 3
    assert counts["by_source"] == {"residents": 2, "superior": 1}
    assert counts["by_level"] == {"individual": 1, "organisation": 2}
    assert counts["by_status"] == {"open": 2, "resolved": 1}

    # On Kafka: the failed inspection's whole story, in order, hidden until recorded.
    def ours(record: Record) -> bool:
        return record.key == str(unannounced["id"]).encode()

    expected = [
        "inspection-planned",
        "inspection-recorded",
        "inspection-failed",
        "rectification-opened",
        "rectification-overdue",
        "rectification-submitted",
        "rectification-verified",
    ]
    records = await collect(
        infra.kafka_bootstrap_servers,
        SUPERVISION.name,
        since,
        match=ours,
        until=lambda found: len(found) >= len(expected),
    )
    events: list[Envelope] = [decode_record(r.headers, r.value) for r in records]
    assert [e.type.split(".")[2] for e in events] == expected
    assert [e.aggregate_version for e in events] == list(range(1, len(expected) + 1))
    plan_event, recorded_event = events[0], events[1]
    assert plan_event.data["unit_code"] is None
    assert plan_event.data["project_id"] is None
    assert plan_event.region_code == CITY
    assert recorded_event.data["unit_code"] == target_unit
    assert recorded_event.data["project_id"] == target
    assert recorded_event.data["team_absent"] is True
    assert events[2].data["rectification_deadline"] == "2026-03-27"
    assert events[4].actor.id == "system:supervision-checks"
    assert events[6].data["was_overdue"] is True
    assert events[6].data["on_time"] is False

    draw_records = await collect(
        infra.kafka_bootstrap_servers,
        SUPERVISION.name,
        since,
        match=lambda r: r.key == sample["id"].encode(),
        until=lambda found: len(found) >= 2,
    )
    drawn, revealed = (decode_record(r.headers, r.value) for r in draw_records)
    assert drawn.data["seed"] is None
    assert drawn.data["sealed"] is True
    assert revealed.type == "lingban.supervision.sample-disclosed.v1"
    assert revealed.data["drawn_project_ids"] == sample["drawn_project_ids"]
