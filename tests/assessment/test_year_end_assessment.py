"""Issue 16's acceptance scenario for the year-end assessment (考核) and the use of its
results, through the HTTP APIs of projects, supervision and reporting on the real broker
and database:

two villages' projects run the year and are evaluated (优秀, 一般) → the township group
inspects both (one fails; its rectification runs late) → stationed-contact visits → the
city sets the scheme → a draft anyone may read → an adjustment and a list change →
finalize (frozen scores, ranks, 表扬 and 约谈 lists, one event) → a 约谈 recorded → a
model case published and read by a leader → reporting's figures and lists.
"""

from __future__ import annotations

from typing import Any

import pytest

from devstack.infra import Endpoints
from lingban_contracts import decode_record
from lingban_contracts.divisions import default_tree
from lingban_contracts.topics import SUPERVISION
from lingban_kit.auth import Role
from lingban_kit.testing import collect, end_offsets
from tests.auth import auth

from .stack import Stack, call, stack, until

pytestmark = pytest.mark.integration

CITY = "340881000000"  # 桐城市
TOWNSHIP = "340881100000"  # 新渡镇
VILLAGE_A = "340881100201"  # 北塘村
VILLAGE_B = "340881100202"  # 凤岗村
VILLAGE_C = "340881100203"  # 凤集村: no project this year
ROOT_ORG = auth(Role.CITY_ORG, CITY)
LEADER = auth(Role.LEADER, CITY)
TOWNSHIP_SECRETARY = auth(Role.TOWNSHIP_SECRETARY, TOWNSHIP)
TOWNSHIP_STAFF = auth(Role.TOWNSHIP_STAFF, TOWNSHIP)
SUPERVISOR = auth(Role.SUPERVISOR, TOWNSHIP)
SCHEME: dict[str, Any] = {
    "region_code": CITY,
    "year": 2026,
    "weights": {
        "project": 50,
        "inspections": 20,
        "deductions": 10,
        "rectification": 10,
        "visits": 10,
    },
    "party_building_share": 10,
    "visits_per_village": 6,
}


def checklist(*cuts: int) -> list[dict[str, Any]]:
    items = ("专班在岗履职", "阶段任务推进", "台账资料完整", "群众满意度")
    return [
        {"item": item, "max_points": 25, "deducted": cut}
        for item, cut in zip(items, cuts, strict=True)
    ]


async def project_year(s: Stack, unit: str, title: str, marks: tuple[int, int, int]) -> str:
    """One village's project from declaration to its year-end evaluation."""
    http = s.projects.http
    secretary = auth(Role.VILLAGE_SECRETARY, unit)
    s.at(2026, 1, 5)
    form = {
        "unit_code": unit,
        "year": 2026,
        "title": title,
        "category": "议事协商",
        "problem": "议事渠道不畅",
        "expected_goals": "矛盾就地化解",
        "evaluation_criteria": "议事记录",
        "lead_secretary": "书记",
        "task_force": ["委员甲"],
        "deadline": "2026-03-31",
        "stage_tasks": [{"month": "2026-03", "task": "议事", "deliverable": "记录"}],
    }
    pid = str((await call(http, "POST", "/v1/projects", secretary, form, 201))["id"])
    url = f"/v1/projects/{pid}"
    await call(http, "POST", f"{url}/submission", secretary)
    scores = {"feasibility": 85, "precision": 80, "effectiveness": 88}
    await call(
        http, "POST", f"{url}/review", TOWNSHIP_SECRETARY, {"decision": "approve", "scores": scores}
    )
    await call(http, "POST", f"{url}/filing", TOWNSHIP_SECRETARY)
    window = {"starts_on": "2026-01-06", "ends_on": "2026-01-12"}
    await call(http, "POST", f"{url}/announcement", TOWNSHIP_SECRETARY, window)
    s.at(2026, 1, 13)
    await call(http, "POST", "/v1/operations/daily-checks", ROOT_ORG)
    s.at(2026, 3, 25)
    report = {"status": "done", "percent": 100, "narrative": "议事会已召开"}
    await call(http, "POST", f"{url}/stages/2026-03/reports", secretary, report)
    s.at(2026, 11, 20)
    await call(http, "POST", f"{url}/completion-request", secretary, {"summary": "全部完成"})
    await call(http, "POST", f"{url}/completion-decision", TOWNSHIP_SECRETARY, {"accept": True})
    effect, solved, plan = marks
    evaluation = {"governance_effect": effect, "problem_solved": solved, "plan_completed": plan}
    await call(http, "POST", f"{url}/evaluation", TOWNSHIP_SECRETARY, evaluation)
    return pid


async def supervision_year(s: Stack) -> None:
    """The township group inspects both villages; B fails and rectifies late; visits."""
    http = s.supervision.http
    group = {
        "region_code": TOWNSHIP,
        "year": 2026,
        "name": "新渡镇督导组",
        "members": [{"name": "王组长", "department": "组织办", "leader": True}],
        "covered_units": [VILLAGE_A, VILLAGE_B],
    }
    group_id = (await call(http, "POST", "/v1/groups", TOWNSHIP_SECRETARY, group, 201))["id"]
    s.at(2026, 4, 10)
    for unit, cuts in ((VILLAGE_A, (5, 5, 0, 0)), (VILLAGE_B, (25, 20, 0, 0))):
        plan = {
            "group_id": group_id,
            "planned_on": "2026-04-10",
            "method": "on_site",
            "unit_code": unit,
        }
        planned = await call(http, "POST", "/v1/inspections", TOWNSHIP_STAFF, plan, 201)
        result = {"inspected_on": "2026-04-10", "checklist": checklist(*cuts), "findings": []}
        recorded = await call(
            http, "POST", f"/v1/inspections/{planned['id']}/result", TOWNSHIP_STAFF, result
        )
        if unit == VILLAGE_B:
            failed = recorded["id"]
    # B's rectification is flagged overdue, then submitted and closed: late.
    s.at(2026, 5, 1)
    checks = await call(http, "POST", "/v1/operations/checks", ROOT_ORG)
    assert checks["rectifications_overdue"] == [f"{failed}-r"]
    s.at(2026, 5, 3)
    submission = {"measures": ["专班重新排班"], "narrative": "已整改"}
    await call(
        http,
        "POST",
        f"/v1/inspections/{failed}/rectification/submission",
        auth(Role.VILLAGE_SECRETARY, VILLAGE_B),
        submission,
    )
    await call(
        http,
        "POST",
        f"/v1/inspections/{failed}/rectification/verification",
        SUPERVISOR,
        {"decision": "close"},
    )
    # Stationed contact: six visits to A, three to B.
    for unit, months in ((VILLAGE_A, range(3, 9)), (VILLAGE_B, range(3, 6))):
        for month in months:
            s.at(2026, month, 20)
            visit = {
                "unit_code": unit,
                "visited_on": f"2026-{month:02d}-20",
                "visitor": "驻点干部",
                "visitor_role": "team",
            }
            await call(http, "POST", "/v1/visits", TOWNSHIP_STAFF, visit, 201)


def by_unit(answer: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["unit_code"]: s for s in answer["scores"]}


async def test_a_year_end_assessment(infra: Endpoints) -> None:
    async with stack(infra) as s:
        await run(s, infra)


async def run(s: Stack, infra: Endpoints) -> None:
    sup = s.supervision.http
    since = await end_offsets(infra.kafka_bootstrap_servers, SUPERVISION.name)
    pid_a = await project_year(s, VILLAGE_A, "“板凳议事会”常态化", (95, 92, 90))  # 92.3 优秀
    pid_b = await project_year(s, VILLAGE_B, "村规民约修订", (70, 65, 60))  # 65.0 一般
    await supervision_year(s)

    async def rated() -> bool:
        draft = await call(sup, "GET", "/v1/assessments", TOWNSHIP_SECRETARY, params={"year": 2026})
        return bool(by_unit(draft)[VILLAGE_B]["rating"] == "average")

    await until(rated, "supervision to learn the projects' ratings")

    # The city sets its scheme; nobody else may, and the weights must add up to 100.
    s.at(2027, 1, 5)
    bad = {**SCHEME, "weights": {**SCHEME["weights"], "project": 60}}
    refused = await call(sup, "PUT", "/v1/assessments/scheme", ROOT_ORG, bad, 422)
    assert "100" in str(refused["error"])
    await call(sup, "PUT", "/v1/assessments/scheme", LEADER, SCHEME, 403)
    await call(sup, "PUT", "/v1/assessments/scheme", auth(Role.CITY_ORG, TOWNSHIP), SCHEME, 403)
    scheme = await call(sup, "PUT", "/v1/assessments/scheme", ROOT_ORG, SCHEME)
    assert (scheme["defaults"], scheme["scheme"]["weights"]["project"]) == (False, 50)

    # The draft, read by the township (its own subtree) and computed from the records.
    draft = await call(sup, "GET", "/v1/assessments", TOWNSHIP_SECRETARY, params={"year": 2026})
    assert draft["status"] == "draft"
    assert {s["unit_code"] for s in draft["scores"]} == {
        u.code for u in default_tree().subtree(TOWNSHIP)
    }
    a, b, township = by_unit(draft)[VILLAGE_A], by_unit(draft)[VILLAGE_B], by_unit(draft)[TOWNSHIP]
    # A: (50×100 + 20×90 + 10×90 + 10×100) / 90, no rectification to weigh.
    assert a["components"] == {
        "project": 100.0,
        "inspections": 90.0,
        "deductions": 90.0,
        "rectification": None,
        "visits": 100.0,
    }
    assert (a["score"], a["rank"], a["rating"]) == (96.67, 1, "excellent")
    # B: (50×70 + 20×55 + 10×55 + 10×0 + 10×50) / 100; its rectification ran late.
    assert (b["score"], b["rank"], b["components"]["rectification"]) == (56.5, 2, 0.0)
    # The township: no project evaluated; visits to 2 of its villages ((100 + 50) / n, 15 in
    # the demo tree), weighed against the project's 0: (50×0 + 10×visits) / 60.
    villages = [u for u in default_tree().children(TOWNSHIP) if u.level == "village"]
    visits = round(150 / len(villages), 2)
    assert (township["components"]["visits"], township["score"]) == (
        visits,
        round(10 * visits / 60, 2),
    )
    assert [e["unit_code"] for e in draft["praise"]] == [VILLAGE_A]
    talks = {e["unit_code"]: e["basis"] for e in draft["talks"]}
    assert (talks[VILLAGE_B], talks[TOWNSHIP], talks[VILLAGE_C]) == ("rating", "score", "score")
    other = auth(Role.TOWNSHIP_SECRETARY, "340881101000")
    await call(
        sup, "GET", "/v1/assessments", other, params={"year": 2026, "region": TOWNSHIP}, expect=403
    )

    # 加分 with a reason; a change to the 约谈 list; only the city's department may.
    bonus = {"year": 2026, "unit_code": VILLAGE_A, "points": 3, "reason": "获评省级民主法治示范村"}
    await call(sup, "POST", "/v1/assessments/adjustments", TOWNSHIP_SECRETARY, bonus, 403)
    await call(sup, "POST", "/v1/assessments/adjustments", ROOT_ORG, bonus, 201)
    spared = {
        "year": 2026,
        "unit_code": VILLAGE_C,
        "list": "talk",
        "action": "remove",
        "reason": "年中并入，新班子已专题谈话提醒",
    }
    await call(sup, "POST", "/v1/assessments/list-changes", LEADER, spared, 403)
    await call(sup, "POST", "/v1/assessments/list-changes", ROOT_ORG, spared)

    # Finalize: the scores, ranks and lists are frozen and published.
    final = await call(
        sup, "POST", "/v1/assessments/finalization", ROOT_ORG, {"region_code": CITY, "year": 2026}
    )
    assert final["status"] == "finalized"
    a = by_unit(final)[VILLAGE_A]
    assert (a["adjustment"], a["score"], a["party_building_points"]) == (3.0, 99.67, 9.97)
    talk_list = [e["unit_code"] for e in final["talks"]]
    assert VILLAGE_B in talk_list
    assert VILLAGE_C not in talk_list
    again = await call(sup, "POST", "/v1/assessments/adjustments", ROOT_ORG, bonus, 409)
    assert again["error"]["code"] == "invalid_transition"
    # A visit logged now changes nothing: the result is frozen.
    late_visit = {
        "unit_code": VILLAGE_B,
        "visited_on": "2027-01-05",
        "visitor": "驻点干部",
        "visitor_role": "team",
    }
    await call(sup, "POST", "/v1/visits", TOWNSHIP_STAFF, late_visit, 201)
    frozen = await call(sup, "GET", "/v1/assessments", LEADER, params={"year": 2026})
    assert by_unit(frozen)[VILLAGE_B]["score"] == 56.5
    assert len(frozen["scores"]) == len(default_tree())  # the leader at the city sees all

    # The 约谈 took place: recorded by the township for its village on the list.
    s.at(2027, 1, 12)
    held = {
        "year": 2026,
        "unit_code": VILLAGE_B,
        "held_on": "2027-01-10",
        "held_by": "新渡镇党委书记",
        "attendees": ["凤岗村党组织书记"],
        "notes": "指出整改超期问题，限期提交整改报告",
    }
    await call(
        sup, "POST", "/v1/assessments/talks", auth(Role.VILLAGE_SECRETARY, VILLAGE_B), held, 403
    )
    await call(
        sup,
        "POST",
        "/v1/assessments/talks",
        TOWNSHIP_SECRETARY,
        {**held, "unit_code": VILLAGE_A},
        422,
    )
    await call(sup, "POST", "/v1/assessments/talks", TOWNSHIP_SECRETARY, held, 201)
    seen = await call(sup, "GET", "/v1/assessments", LEADER, params={"year": 2026})
    assert [(t["unit_code"], t["notes"], t["by"]) for t in seen["talks_held"]] == [
        (VILLAGE_B, None, None)
    ]
    assert [(a["reason"], a["by"]) for a in seen["adjustments"]] == [(bonus["reason"], None)]
    assert seen["withheld"] is True
    mine = await call(sup, "GET", "/v1/assessments", ROOT_ORG, params={"year": 2026})
    assert mine["talks_held"][0]["notes"] == held["notes"]
    assert mine["withheld"] is False

    # The model-case library: A's project published; A as 示范村 only nominated.
    case = {
        "kind": "project",
        "unit_code": VILLAGE_A,
        "project_id": pid_a,
        "year": 2026,
        "title": "北塘村“板凳议事会”",
        "summary": "每月议事，矛盾就地化解，一项目一品牌。",
    }
    await call(sup, "POST", "/v1/model-cases", ROOT_ORG, {**case, "project_id": "0" * 32}, 422)
    made = await call(sup, "POST", "/v1/model-cases", ROOT_ORG, case, 201)
    await call(sup, "POST", f"/v1/model-cases/{made['id']}/publication", ROOT_ORG)
    village = {**case, "kind": "model_village", "project_id": None, "title": "北塘村示范村"}
    nominated = await call(sup, "POST", "/v1/model-cases", ROOT_ORG, village, 201)
    library = await call(sup, "GET", "/v1/model-cases", LEADER, params={"year": 2026})
    assert [(c["title"], c["kind_zh"]) for c in library] == [("北塘村“板凳议事会”", "一项目一品牌")]
    await call(sup, "GET", f"/v1/model-cases/{nominated['id']}", LEADER, expect=404)
    working = await call(sup, "GET", "/v1/model-cases", TOWNSHIP_SECRETARY, params={"year": 2026})
    assert len(working) == 2

    # On Kafka: the assessment's events in order; unit events carry the unit's region.
    assessment_id = f"{CITY}-2026"
    records = await collect(
        infra.kafka_bootstrap_servers,
        SUPERVISION.name,
        since,
        match=lambda r: r.key == assessment_id.encode(),
        until=lambda found: len(found) >= 5,
    )
    events = [decode_record(r.headers, r.value, topic=SUPERVISION.name) for r in records]
    assert [e.type.split(".")[2] for e in events] == [
        "assessment-scheme-set",
        "assessment-adjusted",
        "assessment-list-changed",
        "assessment-finalized",
        "admonition-talk-recorded",
    ]
    assert [e.region_code for e in events] == [CITY, VILLAGE_A, VILLAGE_C, CITY, VILLAGE_B]
    finalized = events[3].data
    assert {e["unit_code"] for e in finalized["praise"]} == {VILLAGE_A}
    assert "notes" not in events[4].data

    # Reporting: the frozen scores and ranks, the lists with the talk held, the library.
    async def reported() -> bool:
        answer = await s.reporting.get(
            "/v1/assessments", params={"year": 2026, "region": TOWNSHIP}, headers=LEADER
        )
        body = answer.json()
        return answer.status_code == 200 and body["talks_held"] == 1

    await until(reported, "reporting to fold the assessment")
    report = await call(
        s.reporting, "GET", "/v1/assessments", LEADER, params={"year": 2026, "region": TOWNSHIP}
    )
    assert report["status"] == "finalized"
    first = report["scores"][0]
    assert (first["unit"]["code"], first["rank"]) == (TOWNSHIP, 1)
    rows = [s for s in report["scores"] if s["unit"]["level"] == "village"]
    assert [(v["unit"]["name"], v["score"], v["rank"], v["rating_zh"]) for v in rows[:2]] == [
        ("北塘村", 99.67, 1, "优秀"),
        ("凤岗村", 56.5, 2, "一般"),
    ]
    assert [e["unit"]["name"] for e in report["praise"]] == ["北塘村"]
    b_talk = next(e for e in report["talks"] if e["unit"]["code"] == VILLAGE_B)
    assert (b_talk["basis_zh"], b_talk["talks_held"][0]["held_by"]) == (
        "评价等次",
        "新渡镇党委书记",
    )
    assert report["party_building_share"] == 10

    async def published() -> bool:
        answer = await s.reporting.get(
            "/v1/model-cases", params={"year": 2026, "region": CITY}, headers=LEADER
        )
        return answer.status_code == 200 and len(answer.json()) == 1

    await until(published, "reporting to fold the model case")
    # The dashboard's ratings in Chinese.
    project = await call(s.reporting, "GET", f"/v1/projects/{pid_b}", LEADER)
    assert (project["rating"], project["rating_zh"]) == ("average", "一般")
