"""Hand-written fakes of the demo loader's `Api`: services in memory, behind `_attempt`.

Each fake subclasses the real `Api` and replaces only the transport
(`_attempt`), so the real retry loop, "did it take effect" checks and error
lines run. The projects fake keeps real `Project` aggregates and answers with
the real `ProjectOut`, so its rules are the service's rules.

Failure knobs, for interrupted and flaky loads:
- `fail_after`: every call after that many answers 500 (the load stops there);
- `lose_answer`: calls matching it take effect, then answer "timeout" once.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Callable
from datetime import date, datetime, time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt

from devstack.demo_api import Api, Failure
from lingban_contracts import Actor
from lingban_contracts.divisions import DivisionTree, Level
from lingban_contracts.events.supervision import ChecklistScore
from lingban_kit.auth import Principal, Role
from lingban_kit.errors import Conflict, Forbidden, InvalidTransition, LingbanError, NotFound
from lingban_projects.projects import schemas as s
from lingban_projects.projects.domain import Project
from lingban_supervision.access import has_rectifying_jurisdiction
from lingban_supervision.inspections.scoring import score_checklist

ACTOR = Actor(id="demo", name="演示")
SECRET = "test-secret-for-the-demo-fakes-0123456789"


class FakeService(Api):
    """The transport of a fake service: counting, failure knobs, lingban error answers."""

    def __init__(self, part: str) -> None:
        super().__init__("http://fake.invalid", SECRET, part, sleep=lambda seconds: None)
        self.lock = threading.RLock()
        self.calls: list[tuple[str, str]] = []
        self.fail_after: int | None = None
        self.lose_answer: Callable[[str, str], bool] = lambda method, path: False
        self.lost: list[tuple[str, str]] = []
        # Who sent the call being handled: the domain's separation-of-duties rules see it.
        self.actor = ACTOR
        self.principal: Principal | None = None

    def writes(self) -> list[tuple[str, str]]:
        return [c for c in self.calls if c[0] != "GET"]

    def _attempt(self, method: str, path: str, token: str, body: Any, timeout: float) -> Any:
        with self.lock:
            if self.fail_after is not None and len(self.calls) >= self.fail_after:
                return Failure("500", "internal_error: the fake service is down", False, False)
            self.calls.append((method, path))
            self.actor, self.principal = _caller(token)
            try:
                answer = self.handle(method, path, body)
            except LingbanError as error:
                return Failure(
                    str(error.status_code),
                    f"{error.code}: {error.message}",
                    error.code == "conflict",
                    False,
                )
            if (
                method != "GET"
                and (method, path) not in self.lost
                and self.lose_answer(method, path)
            ):
                self.lost.append((method, path))
                return Failure("timeout", "no answer in 60 s", True, True)
            return answer

    def handle(self, method: str, path: str, body: Any) -> Any:
        raise NotImplementedError


def _caller(token: str) -> tuple[Actor, Principal | None]:
    """Who a token names (the signature is the real services' business); a test's
    placeholder token ("t") names a person of its own."""
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.DecodeError:
        return Actor(id=f"{ACTOR.id}:{token}", name=ACTOR.name), None
    principal = Principal(
        id=claims["sub"],
        name=claims.get("name", ""),
        roles=frozenset(Role(r) for r in claims["roles"]),
        region_code=claims["region"],
    )
    return principal.actor, principal


def _query(path: str) -> tuple[str, dict[str, str]]:
    parts = urlsplit(path)
    return parts.path, {k: v[0] for k, v in parse_qs(parts.query).items()}


class FakeProjectsApi(FakeService):
    """The projects service: declare, review, file, announce, execute, report, evaluate."""

    def __init__(self, tree: DivisionTree, today: date, part: str = "projects") -> None:
        super().__init__(part)
        self.tree = tree
        self.today = today
        self.projects: dict[str, Project] = {}

    def now(self) -> datetime:
        return datetime.combine(self.today, time(9, 0))

    def render(self, project: Project) -> dict[str, Any]:
        return s.ProjectOut.of(project, self.tree).model_dump(mode="json")

    def get(self, project_id: str) -> Project:
        project = self.projects.get(project_id)
        if project is None:
            raise NotFound(message="未找到项目", message_en="Project not found")
        return project

    def handle(self, method: str, path: str, body: Any) -> Any:
        route, query = _query(path)
        now = self.now()
        if route == "/v1/projects" and method == "GET":
            found = sorted(self.projects.values(), key=lambda p: (p.unit_code, p.id))
            if "region" in query:
                subtree = {u.code for u in self.tree.subtree(query["region"])}
                found = [p for p in found if p.unit_code in subtree]
            offset, limit = int(query.get("offset", 0)), int(query.get("limit", 50))
            return [self.render(p) for p in found[offset : offset + limit]]
        if route == "/v1/projects" and method == "POST":
            form = s.DeclarationIn.model_validate(body)
            project = Project.declare(form.unit_code, form.year, form.to_domain(), self.actor, now)
            self.projects[project.id] = project
            return self.render(project)
        if route == "/v1/operations/daily-checks":
            overdue: list[str] = []
            for project in self.projects.values():
                overdue += project.detect_overdue(self.today, ACTOR, now)
            return {"execution_started": [], "stages_overdue": overdue}
        matched = re.fullmatch(r"/v1/projects/([0-9a-f]{32})(/.*)?", route)
        assert matched, f"the fake has no route {method} {path}"
        project = self.get(matched.group(1))
        suffix = matched.group(2) or ""
        if method == "GET" and not suffix:
            return self.render(project)
        self.change(project, suffix, body or {}, now)
        return self.render(project)

    def change(self, p: Project, suffix: str, body: dict[str, Any], now: datetime) -> None:
        if suffix == "/submission":
            parent = self.tree.parent_of(p.unit_code)
            p.submit(parent.code if parent else p.unit_code, self.actor, now)
        elif suffix == "/review":
            review = s.ReviewIn.model_validate(body)
            p.review(
                approve=review.decision == "approve",
                scores=review.scores,
                reasons=tuple(review.reasons),
                comment=review.comment,
                actor=self.actor,
                now=now,
            )
        elif suffix == "/declaration":
            p.revise(s.DeclarationFormIn.model_validate(body).to_domain(), self.actor, now)
        elif suffix == "/filing":
            p.file(self.actor, now)
        elif suffix == "/announcement":
            a = s.AnnouncementIn.model_validate(body)
            p.announce(a.starts_on, a.ends_on, self.actor, now)
        elif suffix == "/execution":
            p.start_execution(self.today, self.actor, now)
        elif suffix.startswith("/stages/"):
            report = s.StageReportIn.model_validate(body)
            p.report_stage(
                suffix.split("/")[2],
                status=report.status,
                percent=report.percent,
                narrative=report.narrative,
                attachments=tuple(report.attachments),
                today=self.today,
                actor=self.actor,
                now=now,
            )
        elif suffix == "/weekly-reports":
            w = s.WeeklyReportIn.model_validate(body)
            p.submit_weekly_report(w.week, tuple(w.key_tasks), w.narrative, self.actor, now)
        elif suffix == "/completion-request":
            p.request_completion(
                s.CompletionRequestIn.model_validate(body).summary, self.actor, now
            )
        elif suffix == "/completion-decision":
            d = s.CompletionDecisionIn.model_validate(body)
            p.decide_completion(
                accept=d.accept,
                reasons=tuple(d.reasons),
                comment=d.comment,
                actor=self.actor,
                now=now,
            )
        elif suffix == "/evaluation":
            e = s.EvaluationIn.model_validate(body)
            p.evaluate(
                governance_effect=e.governance_effect,
                problem_solved=e.problem_solved,
                plan_completed=e.plan_completed,
                model_case=e.model_case,
                comment=e.comment,
                actor=self.actor,
                now=now,
            )
        else:
            raise AssertionError(f"the fake has no route for {suffix}")
        p.pending_events.clear()


class FakeContactsApi(FakeService):
    """The contact directory: paged listing sorted by id, and replace-by-id in batches."""

    def __init__(self) -> None:
        super().__init__("contacts")
        self.contacts: dict[str, dict[str, Any]] = {}
        self.put_bodies: list[list[dict[str, Any]]] = []

    def handle(self, method: str, path: str, body: Any) -> Any:
        route, query = _query(path)
        assert route == "/v1/contacts", f"the fake has no route {method} {path}"
        if method == "GET":
            offset, limit = int(query.get("offset", 0)), int(query.get("limit", 100))
            ordered = [self.contacts[k] for k in sorted(self.contacts)]
            return ordered[offset : offset + limit]
        self.put_bodies.append(body)
        for contact in body:
            self.contacts[contact["id"]] = contact
        return {"stored": len(body)}


class FakeSupervisionApi(FakeService):
    """The supervision service: groups, inspections and rectifications, draws, visits, problems.

    Ids of problems come from their content (plus a counter for repeats), so the
    per-id resolution draw is the same in every load; scoring is the service's own.
    Opinions of a visit enter the problem list at once (the service does it over events).
    """

    def __init__(self, tree: DivisionTree, pool: list[tuple[str, str]]) -> None:
        super().__init__("supervision")
        self.tree = tree
        self.pool = [{"project_id": p, "unit_code": u} for p, u in pool]
        self.groups: dict[str, dict[str, Any]] = {}
        self.inspections: dict[str, dict[str, Any]] = {}
        self.samples: dict[str, dict[str, Any]] = {}
        self.visits: list[dict[str, Any]] = []
        self.problems: dict[str, dict[str, Any]] = {}
        self.ids = 0

    def new_id(self) -> str:
        self.ids += 1
        return f"{self.ids:032x}"

    def handle(self, method: str, path: str, body: Any) -> Any:
        route, query = _query(path)
        parts = route.strip("/").split("/")[1:]  # without "v1"
        kind, rest = parts[0], parts[1:]
        handler = getattr(self, f"{method.lower()}_{kind.replace('-', '_')}")
        return handler(rest, query, body)

    # ---- groups -------------------------------------------------------------------
    def get_groups(self, rest: list[str], query: dict[str, str], body: Any) -> Any:
        return list(self.groups.values())

    def post_groups(self, rest: list[str], query: dict[str, str], body: Any) -> Any:
        region = self.tree.get(body["region_code"])
        assert region is not None
        group = {
            "id": self.new_id(),
            "region_code": region.code,
            "level": "city" if self.tree.parent_of(region.code) is None else "township",
            "year": body["year"],
            "composition": {k: body[k] for k in ("name", "members", "covered_units")},
        }
        self.groups[group["id"]] = group
        return group

    # ---- inspections --------------------------------------------------------------
    def get_inspections(self, rest: list[str], query: dict[str, str], body: Any) -> Any:
        if rest:
            return self.inspection(rest[0])
        found = [i for i in self.inspections.values() if i["group_id"] == query["group_id"]]
        return sorted(found, key=lambda i: i["planned_on"])

    def inspection(self, inspection_id: str) -> dict[str, Any]:
        if inspection_id not in self.inspections:
            raise NotFound(message="未找到检查", message_en="Inspection not found")
        return self.inspections[inspection_id]

    def post_inspections(self, rest: list[str], query: dict[str, str], body: Any) -> Any:
        if not rest:
            unit = body.get("unit_code") or next(
                p["unit_code"] for p in self.pool if p["project_id"] == body["project_id"]
            )
            inspection = {
                "id": self.new_id(),
                "group_id": body["group_id"],
                "planned_on": body["planned_on"],
                "method": body["method"],
                "unit_code": unit,
                "project_id": body.get("project_id"),
                "sample_id": body.get("sample_id"),
                "status": "planned",
                "rectification": None,
            }
            self.inspections[inspection["id"]] = inspection
            return inspection
        inspection = self.inspection(rest[0])
        action = "/".join(rest[1:])
        rectification = inspection["rectification"]
        if action == "result":
            if inspection["status"] != "planned":
                raise InvalidTransition(message="已记录", message_en="recorded already")
            score = score_checklist(
                [ChecklistScore.model_validate(c) for c in body["checklist"]],
                team_absent=body["team_absent"],
                pass_mark=60,
            )
            inspection["status"] = "passed" if score.passed else "failed"
            if not score.passed:
                inspection["rectification"] = {"status": "open", "submissions": []}
        elif action == "rectification/submission":
            if rectification is None or rectification["status"] != "open":
                raise InvalidTransition(message="不能提交整改", message_en="cannot submit")
            rectification["status"] = "submitted"
            rectification["submissions"].append({**body, "by": {"id": self.actor.id}})
        elif action == "rectification/verification":
            if rectification is None or rectification["status"] != "submitted":
                raise InvalidTransition(message="不能核验", message_en="cannot verify")
            # The service's rule: independent of the unit and of whoever submitted.
            assert self.principal is not None
            submitters = {sub["by"]["id"] for sub in rectification["submissions"]}
            if self.actor.id in submitters or has_rectifying_jurisdiction(
                self.principal, inspection["unit_code"]
            ):
                raise Forbidden(message="不能核验本单位的整改", message_en="not independent")
            rectification["status"] = "closed"
        else:
            raise AssertionError(f"the fake has no route for inspections {action}")
        return inspection

    # ---- draws ----------------------------------------------------------------------
    def get_inspectable_projects(self, rest: list[str], query: dict[str, str], body: Any) -> Any:
        return self.pool

    def post_samples(self, rest: list[str], query: dict[str, str], body: Any) -> Any:
        if rest:  # disclosure
            sample = self.samples[rest[0]]
            pending = [
                i
                for i in self.inspections.values()
                if i["sample_id"] == sample["id"] and i["status"] == "planned"
            ]
            if sample["disclosed_at"] is not None or pending:
                raise InvalidTransition(message="不能公开", message_en="cannot disclose")
            sample["disclosed_at"] = "2026-11-25T09:00:00Z"
            return sample
        if self._draw_of(body["group_id"], body["half_month"]) is not None:
            raise Conflict(message="每半月只能抽一次", message_en="one draw per half month")
        name = self.groups[body["group_id"]]["composition"]["name"]
        # A draw that depends on the group and half month only, so every load draws alike.
        drawn = self.pool[sum(map(ord, name + body["half_month"])) % len(self.pool)]
        sample = {
            "id": self.new_id(),
            "group_id": body["group_id"],
            "half_month": body["half_month"],
            "drawn_project_ids": [drawn["project_id"]],
            "disclosed_at": None,
        }
        self.samples[sample["id"]] = sample
        return sample

    def get_samples(self, rest: list[str], query: dict[str, str], body: Any) -> Any:
        if not rest:  # the group's draw for a half month
            found = self._draw_of(query["group_id"], query["half_month"])
            return [found] if found is not None else []
        return self.samples[rest[0]]

    def _draw_of(self, group_id: str, half_month: str) -> dict[str, Any] | None:
        return next(
            (
                s
                for s in self.samples.values()
                if (s["group_id"], s["half_month"]) == (group_id, half_month)
            ),
            None,
        )

    # ---- visits and problems ---------------------------------------------------------
    def township(self, unit_code: str) -> str:
        township = self.tree.township_of(unit_code)
        assert township is not None
        return township.code

    def post_visits(self, rest: list[str], query: dict[str, str], body: Any) -> Any:
        visit = {
            "id": self.new_id(),
            "unit_code": body["unit_code"],
            "township_code": self.township(body["unit_code"]),
            "month": body["visited_on"][:7],
        }
        self.visits.append(visit)
        for opinion in body["opinions"]:
            self.register(
                {
                    "unit_code": body["unit_code"],
                    "source": "residents",
                    "channel": "visit",
                    "category": opinion["category"],
                    "description": opinion["description"],
                    "visit_id": f"{body['unit_code']}:{body['visited_on']}",
                    "inspection_id": None,
                }
            )
        return visit

    def get_visits(self, rest: list[str], query: dict[str, str], body: Any) -> Any:
        assert rest == ["figures"]
        region, month = query["region"], query["month"]
        townships = [u.code for u in self.tree.subtree(region) if u.level is Level.TOWNSHIP]
        return [
            {
                "township_code": township,
                "month": month,
                "visits": sum(
                    1 for v in self.visits if (v["township_code"], v["month"]) == (township, month)
                ),
            }
            for township in townships
        ]

    def register(self, facts: dict[str, Any]) -> dict[str, Any]:
        content = "|".join(str(facts[k]) for k in ("unit_code", "source", "channel", "description"))
        content += f"|{facts['visit_id']}"
        repeats = sum(1 for p in self.problems.values() if p["content"] == content)
        problem_id = hashlib.md5(f"{content}#{repeats}".encode()).hexdigest()
        problem: dict[str, Any] = {
            "id": problem_id,
            "content": content,
            "status": "open",
            "facts": {**facts, "township_code": self.township(facts["unit_code"])},
        }
        self.problems[problem_id] = problem
        return problem

    def post_problems(self, rest: list[str], query: dict[str, str], body: Any) -> Any:
        if not rest:
            return self.register({**body, "visit_id": None, "inspection_id": None})
        problem = self.problems[rest[0]]
        if problem["status"] == "resolved":
            raise InvalidTransition(message="已办结", message_en="resolved already")
        problem["status"] = "resolved"
        return problem

    def get_problems(self, rest: list[str], query: dict[str, str], body: Any) -> Any:
        if rest:
            return self.problems[rest[0]]
        return [p for p in self.problems.values() if p["facts"]["township_code"] == query["region"]]

    def post_operations(self, rest: list[str], query: dict[str, str], body: Any) -> Any:
        return {"rectifications_overdue": []}
