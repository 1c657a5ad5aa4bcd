"""kill -9 each service in turn, at random moments, while secretaries work (issue 15).

A stream of project years (declare → submit → the township returns it with reasons)
runs against the four services as processes; meanwhile each service is killed with
SIGKILL — no shutdown hook, nothing flushed, no lease released — and started again the
way an orchestrator would. Afterwards, compared with the owning service:
- every project the projects service holds is in reporting's read model at the same
  version, and nothing else is (nothing lost, nothing applied twice);
- every returned project gave its village secretary exactly one inbox notice and the
  SMS gateway exactly one message (no second SMS, however the crashes fell);
- every consumer group of this run has read its topics to the end.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from lingban_contracts.divisions import Level, default_tree
from lingban_contracts.statuses import ProjectStatus
from lingban_kit.auth import Role
from tests.auth import auth
from tests.faults.conftest import Platform, consumed_topics
from tests.faults.lag import group_lag

pytestmark = pytest.mark.integration

YEAR = 2027
MAX_PROJECTS = 300  # the stream runs until every service was killed once, at most this
PARALLEL = 3  # secretaries working at once
CITY = next(u.code for u in default_tree() if u.level is Level.CITY)
SCORES = {"feasibility": 70, "precision": 60, "effectiveness": 65}
# A connection refused or cut while a service is down or restarting: try again.
GONE = (httpx.TransportError,)


def villages() -> list[tuple[str, str]]:
    """(village, its township) pairs from two townships."""
    tree = default_tree()
    pairs = [(u.code, u.parent) for u in tree if u.level is Level.VILLAGE and u.parent]
    townships = sorted({t for _, t in pairs})[:2]
    return [(v, t) for v, t in pairs if t in townships][:6]


def declaration(village: str, title: str) -> dict[str, Any]:
    return {
        "unit_code": village,
        "year": YEAR,
        "title": title,
        "category": "民生服务",
        "problem": "留守老人吃饭难",
        "expected_goals": "建成助餐点",
        "evaluation_criteria": "日均就餐 50 人次",
        "lead_secretary": "村书记",
        "task_force": ["甲", "乙"],
        "deadline": f"{YEAR}-05-31",
        "stage_tasks": [
            {"month": f"{YEAR}-{m:02d}", "task": "推进", "deliverable": "台账"} for m in (3, 4, 5)
        ],
    }


async def until_answered(call: Callable[[], Awaitable[httpx.Response]]) -> httpx.Response:
    """The call's answer, trying again while the service is down (up to two minutes)."""
    deadline = time.monotonic() + 120
    while True:
        try:
            return await call()
        except GONE:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.5)


async def project_year(
    http: httpx.AsyncClient, p: Platform, n: int, village: str, township: str
) -> str | None:
    """Declare, submit and have it returned; the id, or None if the declaration's
    outcome is unknown (the connection died after sending: R14, not this test's)."""
    base = f"{p.urls['projects']}/v1/projects"
    unit, above = auth(Role.VILLAGE_SECRETARY, village), auth(Role.TOWNSHIP_SECRETARY, township)
    try:
        created = await http.post(base, json=declaration(village, f"助餐点 {n:03d}"), headers=unit)
    except GONE:
        return None
    assert created.status_code == 201, created.text
    project_id = str(created.json()["id"])
    # Each step names the version it expects: a retry after a lost answer is a 409,
    # never a second application.
    steps: list[tuple[str, dict[str, str], dict[str, Any] | None, int]] = [
        ("submission", unit, None, 1),
        ("review", above, {"decision": "return", "scores": SCORES, "reasons": ["目标不具体"]}, 2),
    ]
    for path, headers, body, version in steps:

        async def step(
            path: str = path,
            headers: dict[str, str] = headers,
            body: Any = body,
            version: int = version,
        ) -> httpx.Response:
            return await http.post(
                f"{base}/{project_id}/{path}",
                json=body,
                headers={**headers, "If-Match": f'"{version}"'},
            )

        answer = await until_answered(step)
        assert answer.status_code in (200, 409), answer.text
    return project_id


async def killer(p: Platform, rng: random.Random) -> list[str]:
    """Each service in turn: wait a random moment, kill -9, start it again."""
    killed: list[str] = []
    for name in ("projects", "notifications", "reporting", "supervision"):
        await asyncio.sleep(rng.uniform(1.0, 4.0))
        await p.kill(name)
        killed.append(name)
        await p.restart_dead()
    return killed


async def eventually(check: Callable[[], Awaitable[bool]], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if await check():
            return True
        await asyncio.sleep(1.0)
    return await check()


async def test_nothing_is_lost_or_doubled_when_each_service_is_killed(platform: Platform) -> None:
    p = platform
    rng = random.Random()
    pairs = villages()
    gate = asyncio.Semaphore(PARALLEL)

    async with httpx.AsyncClient(timeout=30) as http:
        # The villages' secretaries take SMS (no quiet hours: the test may run at night).
        contacts = [
            {
                "id": f"secretary:{village}",
                "name": f"书记 {village}",
                "kind": "secretary",
                "unit_code": village,
                "channels": ["inbox", "sms"],
                "phone": f"1390{village[-7:]}",
                "roles": [Role.VILLAGE_SECRETARY],
            }
            for village, _ in pairs
        ]
        stored = await http.put(
            f"{p.urls['notifications']}/v1/contacts",
            json=contacts,
            headers=auth(Role.CITY_ORG, CITY),
        )
        assert stored.status_code == 200, stored.text

        async def one(n: int) -> tuple[str | None, str]:
            village, township = pairs[n % len(pairs)]
            async with gate:
                return await project_year(http, p, n, village, township), village

        killing = asyncio.create_task(killer(p, rng))
        results: list[tuple[str | None, str]] = []
        n = 0
        # Secretaries keep working until every service has been killed and restarted.
        while not killing.done() and n < MAX_PROJECTS:
            results += await asyncio.gather(*(one(n + k) for k in range(PARALLEL)))
            n += PARALLEL
        killed = await killing
        assert killed == ["projects", "notifications", "reporting", "supervision"]

        city = auth(Role.CITY_ORG, CITY)

        async def owned() -> dict[str, dict[str, Any]]:
            answer = await http.get(
                f"{p.urls['projects']}/v1/projects",
                params={"region": CITY, "year": YEAR, "limit": 500},
                headers=city,
            )
            assert answer.status_code == 200, answer.text
            return {str(item["id"]): item for item in answer.json()}

        truth = await owned()
        accepted = [pid for pid, _ in results if pid is not None]
        assert set(accepted) <= set(truth)  # every accepted declaration is kept
        returned = {
            pid: item for pid, item in truth.items() if item["status"] == ProjectStatus.RETURNED
        }
        assert set(accepted) <= set(returned)  # and went all the way

        async def reporting_versions() -> dict[str, int]:
            answer = await http.get(
                f"{p.urls['reporting']}/v1/projects",
                params={"region": CITY, "year": YEAR, "limit": 500},
                headers=auth(Role.LEADER, CITY),
            )
            if answer.status_code != 200:
                return {}
            return {str(v["id"]): int(v["version"]) for v in answer.json()["items"]}

        expected_versions = {pid: int(item["version"]) for pid, item in truth.items()}

        async def reporting_converged() -> bool:
            return await reporting_versions() == expected_versions

        assert await eventually(reporting_converged, 120), (
            await reporting_versions(),
            expected_versions,
        )

        async def notices_of(pid: str) -> list[dict[str, Any]]:
            village = str(truth[pid]["unit_code"])
            answer = await http.get(
                f"{p.urls['notifications']}/v1/inbox",
                params={"limit": 200},
                headers=auth(Role.VILLAGE_SECRETARY, village),
            )
            assert answer.status_code == 200, answer.text
            return [
                n
                for n in answer.json()
                if n["subject_id"] == pid and n["rule_id"] == "project-returned"
            ]

        async def every_notice_once() -> bool:
            counts = [len(await notices_of(pid)) for pid in returned]
            return all(c >= 1 for c in counts)

        assert await eventually(every_notice_once, 120), "a returned project got no notice"

        def sms_titles() -> Counter[str]:
            with p.sms.lock:
                texts = [str(r["body"].get("text", "")) for r in p.sms.requests]
            return Counter(
                str(item["declaration"]["title"])
                for item in returned.values()
                for text in texts
                if str(item["declaration"]["title"]) in text
            )

        async def every_sms_sent() -> bool:
            return len(sms_titles()) == len(returned)

        assert await eventually(every_sms_sent, 120), sms_titles()
        # Exactly once, everywhere.
        for pid in returned:
            assert len(await notices_of(pid)) == 1, pid
        assert all(count == 1 for count in sms_titles().values()), sms_titles()

    async def caught_up() -> bool:
        lags = [
            await group_lag(p.infra.kafka_bootstrap_servers, p.groups[name], consumed_topics(name))
            for name in ("supervision", "notifications", "reporting")
        ]
        return all(lag == 0 for lag in lags)

    assert await eventually(caught_up, 60), "a consumer group did not read to the end"
