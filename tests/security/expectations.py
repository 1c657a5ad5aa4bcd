"""What a caller of the *other* region gets on each route: the declarative table of the
jurisdiction matrix (docs/security.md, "Roles and what they may do").

Every route of every committed OpenAPI document must have an entry here; the matrix
fails for a route without one, so a new route cannot escape the check. Per route:

- `other`: the statuses a region-B caller may get when the request names a region-A
  record (path id, `?region=`, or the body's unit). `None`: the route is not scoped to
  a region the request names (the caller's own inbox, global operations); then no
  answer to a region-B caller may contain a region-A record's id.
- writes (POST/PUT/PATCH/DELETE) take `body` (valid for region A's rightful caller, so
  the refusal is jurisdiction's and not validation's) or `upload` (a small file).
  Bodies carry region A's attachments where a route takes them: the attachment check
  (422) must not answer before the jurisdiction check does.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PIL import Image

from lingban_contracts.divisions import default_tree
from tests.security.regions import CITY, TOWNSHIP_A, VILLAGE_A, Records

NOT_FOUND = frozenset({404})  # a record outside the subtree looks missing
FORBIDDEN = frozenset({403})  # a region outside the subtree is refused by name
# A write by someone else's region: 404 for the record, or 403 when the role may not
# write at all (checked before the record is loaded; says nothing about the record).
REFUSED = frozenset({403, 404})

Body = Callable[[Records], Any]


@dataclass(frozen=True)
class Rule:
    other: frozenset[int] | None
    public: bool = False  # no token needed: health, contract, development sign-in
    body: Body | None = None
    upload: bool = False
    why: str = ""


def public(why: str) -> Rule:
    return Rule(other=None, public=True, why=why)


def unscoped(why: str, body: Body | None = None, upload: bool = False) -> Rule:
    return Rule(other=None, body=body, upload=upload, why=why)


READ_ID = Rule(other=NOT_FOUND)
READ_REGION = Rule(other=FORBIDDEN)


def write(body: Body | None = None, other: frozenset[int] = REFUSED, why: str = "") -> Rule:
    return Rule(other=other, body=body, why=why)


HEALTH = public("liveness/readiness probes carry no data")
CONTRACT = public("the AsyncAPI document describes events, not records")
UPLOAD = unscoped(
    "an upload lands in the caller's own region; reading it is checked by the file routes",
    upload=True,
)


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


# ---- example bodies, valid for region A's rightful caller -------------------------------
STAGES = [
    {"month": "2026-04", "task": "摸底", "deliverable": "问题清单"},
    {"month": "2026-05", "task": "整治", "deliverable": "验收报告"},
]
DECLARATION_FORM: dict[str, Any] = {
    "title": "背街小巷环境整治",
    "category": "小区治理",
    "problem": "背街小巷脏乱差",
    "expected_goals": "年底前全部整治到位",
    "evaluation_criteria": "群众满意度 90% 以上",
    "lead_secretary": "张书记",
    "task_force": ["李四"],
    "deadline": "2026-05-31",
    "stage_tasks": STAGES,
}
DECLARATION = {**DECLARATION_FORM, "unit_code": VILLAGE_A, "year": 2026}
MEMBERS = [{"name": "王组长", "department": "组织部", "leader": True}]
COMPOSITION = {"name": "新渡镇督导组", "members": MEMBERS, "covered_units": [VILLAGE_A]}
GROUP = {**COMPOSITION, "region_code": TOWNSHIP_A, "year": 2026}
CHECKLIST = [
    {"item": item, "max_points": 25, "deducted": cut}
    for item, cut in (
        ("专班在岗履职", 25),
        ("阶段任务推进", 20),
        ("台账资料完整", 0),
        ("群众满意度", 0),
    )
]
PROBLEM = {
    "unit_code": VILLAGE_A,
    "year": 2026,
    "source": "residents",
    "channel": "forum",
    "category": "人居环境",
    "level": "organisation",
    "description": "垃圾清运不及时",
}
VISIT = {
    "unit_code": VILLAGE_A,
    "visited_on": "2026-03-01",
    "visitor": "驻点干部",
    "visitor_role": "team",
}
# A township's monthly dispatch meeting and the task it assigns to village A (调度、交办).
DISPATCH_MEETING = {
    "level": "township_monthly",
    "region_code": TOWNSHIP_A,
    "held_on": "2026-03-01",
    "chair": "新渡镇党委书记",
    "attendees": [{"name": "北塘村", "unit_code": VILLAGE_A}],
    "problems_raised": ["台账不全"],
}
DISPATCH_TASK = {
    "unit_code": VILLAGE_A,
    "content": "补齐项目台账",
    "owner": "北塘村书记",
    "deadline": "2026-03-31",
}
# Township A's stationed-contact roster (驻点名册): one leader stationed in village A.
ROSTER: dict[str, Any] = {
    "township_code": TOWNSHIP_A,
    "year": 2027,  # the records' roster is 2026's; a rightful caller may create this one
    "assignments": [
        {
            "person_id": "p-a",
            "name": "新渡镇党委书记",
            "position": "party_secretary",
            "village_code": VILLAGE_A,
            "weekday": 2,
            "valid_from": "2027-01-01",
        }
    ],
    "villages": [{"village_code": VILLAGE_A, "households": 100, "must_visit": {"petitioner": 2}}],
}
CONTACT = {
    "id": f"secretary:{VILLAGE_A}",
    "name": "北塘村书记",
    "kind": "secretary",
    "unit_code": VILLAGE_A,
    "roles": ["village_secretary"],
}


# The year-end assessment (考核) is the city's: region A's callers are refused too, and
# nothing is written (no body here is acted on by anyone the matrix signs in as).
ASSESSMENT_CITY = {"region_code": CITY, "year": 2026}
ADJUSTMENT = {"year": 2026, "unit_code": VILLAGE_A, "points": 1, "reason": "加分"}
LIST_CHANGE = {
    "year": 2026,
    "unit_code": VILLAGE_A,
    "list": "praise",
    "action": "add",
    "reason": "表扬",
}
TALK = {"year": 2026, "unit_code": VILLAGE_A, "held_on": "2026-03-31", "held_by": "镇党委书记"}
MODEL_CASE = {
    "kind": "model_village",
    "unit_code": VILLAGE_A,
    "year": 2026,
    "title": "北塘村示范村",
    "summary": "议事协商示范",
}


def _secretary_of(code: str) -> str:
    unit = default_tree().get(code)
    assert unit is not None
    return unit.secretary


def fixed(value: Any) -> Body:
    return lambda _records: value


PROJECTS: dict[tuple[str, str], Rule] = {
    ("GET", "/healthz"): HEALTH,
    ("GET", "/readyz"): HEALTH,
    ("GET", "/asyncapi.json"): CONTRACT,
    ("POST", "/v1/projects"): write(fixed(DECLARATION), FORBIDDEN),
    ("GET", "/v1/projects"): READ_REGION,
    ("GET", "/v1/projects/{project_id}"): READ_ID,
    ("GET", "/v1/projects/{project_id}/history"): READ_ID,
    # The revision keeps the attachment, so the DELETE of it below is still meaningful.
    ("PUT", "/v1/projects/{project_id}/declaration"): write(
        lambda r: {**DECLARATION_FORM, "attachments": [r.project_attachment]}
    ),
    ("DELETE", "/v1/projects/{project_id}/declaration/attachments/{file_id}"): write(),
    ("POST", "/v1/projects/{project_id}/submission"): write(),
    ("POST", "/v1/projects/{project_id}/review"): write(
        fixed(
            {
                "decision": "approve",
                "scores": {"feasibility": 80, "precision": 80, "effectiveness": 80},
            }
        )
    ),
    ("POST", "/v1/projects/{project_id}/filing"): write(),
    ("POST", "/v1/projects/{project_id}/announcement"): write(
        fixed({"starts_on": "2026-01-12", "ends_on": "2026-01-19"})
    ),
    ("POST", "/v1/projects/{project_id}/execution"): write(),
    ("POST", "/v1/projects/{project_id}/stages/{month}/reports"): write(
        lambda r: {
            "status": "partly",
            "percent": 50,
            "narrative": "摸底过半",
            "attachments": [r.project_attachment],
        }
    ),
    ("POST", "/v1/projects/{project_id}/weekly-reports"): write(
        lambda r: {
            "week": "2026-W02",
            "key_tasks": ["摸底"],
            "narrative": "本周摸底",
            "attachments": [r.project_attachment],
        }
    ),
    ("POST", "/v1/projects/{project_id}/completion-request"): write(
        fixed({"summary": "已全部整治"})
    ),
    ("POST", "/v1/projects/{project_id}/completion-decision"): write(fixed({"accept": True})),
    ("POST", "/v1/projects/{project_id}/evaluation"): write(
        fixed({"governance_effect": 80, "problem_solved": 80, "plan_completed": 80})
    ),
    ("POST", "/v1/projects/{project_id}/objections"): write(fixed({"text": "选址有争议"})),
    ("POST", "/v1/projects/{project_id}/objections/{objection_id}/resolution"): write(
        fixed({"upheld": False, "reason": "经核实不成立"})
    ),
    ("POST", "/v1/projects/{project_id}/change-requests"): write(
        fixed({"kind": "withdrawal", "reason": "村庄撤并"})
    ),
    ("POST", "/v1/projects/{project_id}/change-requests/{request_id}/decision"): write(
        fixed({"approve": False, "reasons": ["理由不充分"]})
    ),
    ("GET", "/v1/units"): READ_REGION,
    ("GET", "/v1/units/{code}"): READ_ID,
    # The division tree's writes publish on a topic every other test's services read:
    # these bodies change nothing even for region A's rightful caller (a code already
    # used: 409; the secretary it already has: no change; a merge across levels: 422).
    ("POST", "/v1/units"): write(
        fixed(
            {
                "code": VILLAGE_A,
                "name": "已有的村",
                "level": "village",
                "parent": TOWNSHIP_A,
                "reason": "jurisdiction matrix",
            }
        )
    ),
    ("PATCH", "/v1/units/{code}"): write(fixed({"secretary": _secretary_of(VILLAGE_A)})),
    ("POST", "/v1/units/{code}/merge"): write(
        fixed({"into": TOWNSHIP_A, "reason": "jurisdiction matrix"})
    ),
    ("GET", "/v1/units/import-template"): unscoped("the empty template holds no records"),
    ("POST", "/v1/units/import"): unscoped(
        "a sheet names its units; each row is checked against the caller's jurisdiction "
        "(the file here is not a sheet: refused before any row)",
        upload=True,
    ),
    ("GET", "/v1/coverage"): READ_REGION,
    # Global: the root city organisation department's only (LB-16); the matrix checks
    # that nobody else, leader and subscriber included, may run it.
    ("POST", "/v1/operations/daily-checks"): unscoped("global operation, root city org only"),
    ("POST", "/v1/files"): UPLOAD,
    ("GET", "/v1/files/{file_id}"): READ_ID,
    ("GET", "/v1/files/{file_id}/thumbnail"): READ_ID,
    # Development sign-in (LINGBAN_ENV=dev only, as in these tests): lists demo users and
    # issues their tokens, so it needs none.
    ("GET", "/dev/sign-in/users"): public("development sign-in, dev mode only"),
    ("POST", "/dev/sign-in"): public("development sign-in, dev mode only"),
}

SUPERVISION: dict[tuple[str, str], Rule] = {
    ("GET", "/healthz"): HEALTH,
    ("GET", "/readyz"): HEALTH,
    ("GET", "/asyncapi.json"): CONTRACT,
    ("POST", "/v1/groups"): write(fixed(GROUP), FORBIDDEN),
    # A reader sees the groups of the own subtree and of the regions above: the list
    # of a region-B caller must not hold region A's township group.
    ("GET", "/v1/groups"): unscoped("lists only the groups a caller may read"),
    ("GET", "/v1/groups/{group_id}"): READ_ID,
    ("PUT", "/v1/groups/{group_id}/composition"): write(fixed(COMPOSITION)),
    ("GET", "/v1/groups/{group_id}/cadence"): Rule(other=REFUSED),
    ("POST", "/v1/samples"): write(lambda r: {"group_id": r.group, "half_month": "2026-03-H1"}),
    # Filtered, not refused: the draws of a group the caller may not read are an empty
    # list (the answer holds none of region A's samples, which the matrix checks).
    ("GET", "/v1/samples"): unscoped("lists only the draws a caller may read"),
    ("GET", "/v1/samples/{sample_id}"): READ_ID,
    ("POST", "/v1/samples/{sample_id}/disclosure"): write(),
    ("GET", "/v1/samples/{sample_id}/audit"): READ_ID,
    # Group side only: a role outside it is refused (403) before the region is looked at.
    ("GET", "/v1/inspectable-projects"): Rule(other=REFUSED),
    ("POST", "/v1/inspections"): write(
        lambda r: {
            "group_id": r.group,
            "planned_on": "2026-03-10",
            "method": "on_site",
            "unit_code": VILLAGE_A,
        }
    ),
    ("GET", "/v1/inspections"): unscoped("lists only the inspections a caller may read"),
    ("GET", "/v1/inspections/rules"): unscoped("the scoring rules, the same for everyone"),
    ("GET", "/v1/inspections/{inspection_id}"): READ_ID,
    ("POST", "/v1/inspections/{inspection_id}/result"): write(
        fixed({"inspected_on": "2026-03-10", "checklist": CHECKLIST, "findings": ["台账缺失"]})
    ),
    ("POST", "/v1/inspections/{inspection_id}/rectification/submission"): write(
        fixed({"measures": ["补齐台账"], "narrative": "已补齐"})
    ),
    ("POST", "/v1/inspections/{inspection_id}/rectification/verification"): write(
        fixed({"decision": "close"})
    ),
    ("POST", "/v1/problems"): write(
        lambda r: {**PROBLEM, "attachments": [r.supervision_attachment]}
    ),
    ("GET", "/v1/problems"): READ_REGION,
    ("GET", "/v1/problems/counts"): READ_REGION,
    ("GET", "/v1/problems/{problem_id}"): READ_ID,
    ("POST", "/v1/problems/{problem_id}/status"): write(fixed({"status": "in_progress"})),
    ("POST", "/v1/problems/{problem_id}/resolution"): write(
        lambda r: {"resolution": "已清运", "attachments": [r.supervision_attachment]}
    ),
    ("POST", "/v1/visits"): write(lambda r: {**VISIT, "attachments": [r.supervision_attachment]}),
    ("GET", "/v1/visits"): READ_REGION,
    ("GET", "/v1/visits/figures"): READ_REGION,
    ("GET", "/v1/visits/{visit_id}"): READ_ID,
    # Stationed-contact rosters (驻点名册) and months: the township keeps its own; a
    # region-B caller naming township A is refused by name (403), its roster looks missing.
    ("POST", "/v1/rosters"): write(fixed(ROSTER), FORBIDDEN),
    ("GET", "/v1/rosters"): READ_REGION,
    ("GET", "/v1/rosters/{roster_id}"): READ_ID,
    ("POST", "/v1/rosters/{roster_id}/changes"): write(
        fixed({"kind": "ended", "person_id": "p-a", "effective_from": "2026-12-01"})
    ),
    ("PUT", "/v1/rosters/{roster_id}/villages"): write(fixed({"villages": ROSTER["villages"]})),
    ("GET", "/v1/rosters/{roster_id}/months/{month}"): READ_ID,
    ("GET", "/v1/rosters/{roster_id}/people/{person_id}/months/{month}"): READ_ID,
    ("PUT", "/v1/rosters/{roster_id}/people/{person_id}/months/{month}/plan"): write(
        fixed({"items": [{"day": "2026-04-07", "area": "一组"}]})
    ),
    ("POST", "/v1/rosters/{roster_id}/people/{person_id}/months/{month}/residence"): write(
        fixed({"days": ["2026-04-01"]})
    ),
    ("POST", "/v1/rosters/{roster_id}/people/{person_id}/months/{month}/leave"): write(
        fixed({"first_day": "2026-04-02", "last_day": "2026-04-02", "reason": "病假"})
    ),
    ("POST", "/v1/operations/checks"): unscoped("global operation (LB-16)"),
    # The year-end assessment: read for a region (403 outside); written by the assessing
    # city's department only, so a body naming region A's village or the city is refused
    # by name (403) to everyone the matrix signs in as.
    ("GET", "/v1/assessments"): READ_REGION,
    ("GET", "/v1/assessments/scheme"): READ_REGION,
    ("PUT", "/v1/assessments/scheme"): write(fixed(ASSESSMENT_CITY), FORBIDDEN),
    ("POST", "/v1/assessments/adjustments"): write(fixed(ADJUSTMENT), FORBIDDEN),
    ("POST", "/v1/assessments/list-changes"): write(fixed(LIST_CHANGE), FORBIDDEN),
    ("POST", "/v1/assessments/finalization"): write(fixed(ASSESSMENT_CITY), FORBIDDEN),
    ("POST", "/v1/assessments/talks"): write(fixed(TALK), FORBIDDEN),
    # The model-case library: a case is a record of its unit (404 elsewhere).
    ("POST", "/v1/model-cases"): write(fixed(MODEL_CASE), FORBIDDEN),
    ("GET", "/v1/model-cases"): READ_REGION,
    ("GET", "/v1/model-cases/{case_id}"): READ_ID,
    ("POST", "/v1/model-cases/{case_id}/publication"): write(),
    ("POST", "/v1/model-cases/{case_id}/withdrawal"): write(fixed({"reason": "材料不实"})),
    # Dispatch (调度) and assigned tasks (交办): a township holds its own meetings and
    # assigns below it; a region named by the body is refused by name (403).
    ("POST", "/v1/dispatch/meetings"): write(fixed(DISPATCH_MEETING), FORBIDDEN),
    ("GET", "/v1/dispatch/meetings"): READ_REGION,
    ("GET", "/v1/dispatch/meetings/{meeting_id}"): READ_ID,
    ("POST", "/v1/dispatch/meetings/{meeting_id}/tasks"): write(fixed(DISPATCH_TASK)),
    ("POST", "/v1/dispatch/tasks"): write(fixed(DISPATCH_TASK), FORBIDDEN),
    ("GET", "/v1/dispatch/tasks"): READ_REGION,
    ("GET", "/v1/dispatch/tasks/{task_id}"): READ_ID,
    ("POST", "/v1/dispatch/tasks/{task_id}/report"): write(
        lambda r: {"report": "台账已补齐", "attachments": [r.supervision_attachment]}
    ),
    ("POST", "/v1/dispatch/tasks/{task_id}/closing"): write(fixed({"comment": "同意销号"})),
    ("POST", "/v1/dispatch/tasks/{task_id}/return"): write(fixed({"reasons": ["佐证不足"]})),
    ("POST", "/v1/dispatch/checks"): unscoped("global operation, root city org only (LB-16)"),
    ("POST", "/v1/files"): UPLOAD,
    ("GET", "/v1/files/{file_id}"): READ_ID,
    ("GET", "/v1/files/{file_id}/thumbnail"): READ_ID,
}

NOTIFICATIONS: dict[tuple[str, str], Rule] = {
    ("GET", "/healthz"): HEALTH,
    ("GET", "/readyz"): HEALTH,
    ("GET", "/asyncapi.json"): CONTRACT,
    # The caller's own notices only (by `sub`, or unit and role): a region-B inbox must
    # not hold region A's notice.
    ("GET", "/v1/inbox"): unscoped("the caller's own notices"),
    ("GET", "/v1/inbox/unread-count"): unscoped("a count of the caller's own notices"),
    ("POST", "/v1/inbox/{notification_id}/read"): write(),
    ("POST", "/v1/inbox/{notification_id}/acknowledgement"): write(),
    ("GET", "/v1/contacts/import-template"): unscoped("an empty spreadsheet"),
    # The upload is a sheet of one row, region A's village secretary. Rows are checked
    # one by one and reported by row: a row outside the caller's jurisdiction makes the
    # whole import a 422 naming it ("不在您的管辖范围"), and nothing is imported.
    ("POST", "/v1/contacts/import"): Rule(other=frozenset({403, 422}), upload=True),
    ("GET", "/v1/contacts"): unscoped("lists only the own subtree's contacts"),
    ("PUT", "/v1/contacts"): write(fixed([CONTACT])),
    # Contacts (addresses, robot secrets) are read by their editors only (LB-08): other
    # roles get 403 before any lookup, which says nothing about the contact.
    ("GET", "/v1/contacts/{recipient_id}"): Rule(other=REFUSED),
    ("PUT", "/v1/contacts/{recipient_id}"): write(fixed(CONTACT)),
    # Member departments by name only (no address), those of the caller's own subtree.
    ("GET", "/v1/member-departments"): unscoped("names of the own subtree's member departments"),
    ("GET", "/v1/rules"): unscoped("the reminder rules are the same for every region"),
    # Global: the root city organisation department's only (LB-13).
    ("PUT", "/v1/rules"): unscoped("global, root city org only", body=lambda r: r.rules),
    ("DELETE", "/v1/rules"): unscoped("global, root city org only"),
    ("GET", "/v1/operations/dead-letters"): unscoped("filtered to the caller's subtree"),
    ("POST", "/v1/operations/dead-letters/{notification_id}/replay"): write(),
    ("POST", "/v1/operations/scheduler/tick"): unscoped("global operation, root city org only"),
}

_FIGURES = {
    ("GET", path): READ_REGION
    for path in (
        "/v1/overview",
        "/v1/breakdown/units",
        "/v1/breakdown/categories",
        "/v1/coverage",
        "/v1/overdue-stages",
        "/v1/rectifications",
        "/v1/projects",
        "/v1/bulletins/{period}",
        "/v1/ledgers/projects.xlsx",
        "/v1/ledgers/projects.html",
        "/v1/ledgers/problems.xlsx",
        "/v1/ledgers/problems.html",
        "/v1/ledgers/rectifications.xlsx",
        "/v1/ledgers/rectifications.html",
        "/v1/ledgers/visits.xlsx",
        "/v1/ledgers/visits.html",
        "/v1/stationing/figures",
    )
}
REPORTING: dict[tuple[str, str], Rule] = {
    ("GET", "/healthz"): HEALTH,
    ("GET", "/readyz"): HEALTH,
    ("GET", "/asyncapi.json"): CONTRACT,
    **_FIGURES,
    # The ranking compares the townships of the caller's city: only a city-level caller
    # may ask (403 below), and it names no region.
    ("GET", "/v1/rankings/townships"): unscoped("city-level callers only"),
    # Global counts of the read models (LB-17): no record ids.
    ("GET", "/v1/freshness"): unscoped("global counts, no records (LB-17)"),
    ("GET", "/v1/projects/{project_id}"): READ_ID,
    ("GET", "/v1/ledgers/projects/{project_id}/declaration.html"): READ_ID,
    ("GET", "/v1/ledgers/projects/{project_id}/declaration.xlsx"): READ_ID,
    ("GET", "/v1/ledgers/inspections/{inspection_id}/record.html"): READ_ID,
    ("GET", "/v1/ledgers/inspections/{inspection_id}/record.xlsx"): READ_ID,
    # The year-end assessment and the published model-case library of a region subtree.
    ("GET", "/v1/assessments"): READ_REGION,
    ("GET", "/v1/model-cases"): READ_REGION,
    # Dispatch follow-up figures (调度与交办跟踪) of a region subtree.
    ("GET", "/v1/dispatch/meetings-per-month"): READ_REGION,
    ("GET", "/v1/dispatch/tasks-per-unit"): READ_REGION,
}

TABLE: dict[str, dict[tuple[str, str], Rule]] = {
    "projects": PROJECTS,
    "supervision": SUPERVISION,
    "notifications": NOTIFICATIONS,
    "reporting": REPORTING,
}

# Path parameters: region A's records (an unknown id where none could be made).
UNKNOWN = "0123456789abcdef0123456789abcdef"


def path_value(service: str, name: str, records: Records) -> str:
    files = records.project_file if service == "projects" else records.supervision_file
    values = {
        "project_id": records.project,
        "file_id": files,
        "group_id": records.group,
        "sample_id": records.sample,
        "inspection_id": records.inspection,
        "problem_id": records.problem,
        "visit_id": records.visit,
        "case_id": records.model_case,
        "roster_id": records.roster,
        "person_id": "p-a",
        "meeting_id": records.dispatch_meeting,
        "task_id": records.dispatch_task,
        "recipient_id": records.contact,
        "notification_id": records.notification,
        "code": VILLAGE_A,
        # Region A's project is refused before its objections or requests are looked up.
        "objection_id": "",
        "request_id": "",
        "month": "2026-04",
        "period": "2026-Q1",
    }
    if name not in values:
        raise AssertionError(
            f"path parameter {{{name}}} ({service}): add a region-A value for it to "
            "tests/security/expectations.py path_value"
        )
    return values[name] or UNKNOWN


# Query parameters: `region` names region A; the required others get a valid value.
def query_values(records: Records) -> dict[str, str]:
    return {
        "region": VILLAGE_A,
        "year": "2026",
        "month": "2026-03",
        "half_month": "2026-03-H1",
        "group_id": records.group,
    }
