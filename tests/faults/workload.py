"""What the secretaries do while things break: project years, declare → submit → the
township returns it with reasons (an inbox notice and an SMS to the secretary)."""

from __future__ import annotations

import asyncio
import itertools
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import httpx

from lingban_contracts.divisions import Level, default_tree
from lingban_kit.auth import Role
from tests.auth import auth

YEAR = 2029  # no other test's year, should the suite ever share a broker
PARALLEL = 3  # secretaries working at once
MAX_PROJECTS = 300  # a stream runs until its fault is over, at most this many projects
ROUND_PAUSE_SECONDS = 0.5  # between rounds: a steady trickle, not a flood, while things break
CITY = next(u.code for u in default_tree() if u.level is Level.CITY)
SCORES = {"feasibility": 70, "precision": 60, "effectiveness": 65}
RETRY_FOR_SECONDS = 180.0


def villages() -> list[tuple[str, str]]:
    """(village, its township) pairs from two townships."""
    pairs = [(u.code, u.parent) for u in default_tree() if u.level is Level.VILLAGE and u.parent]
    townships = sorted({t for _, t in pairs})[:2]
    return [(v, t) for v, t in pairs if t in townships][:6]


def title_of(stream: str, n: int) -> str:
    """Unique across the streams of a run: the SMS checks find a project by its title."""
    return f"助餐点 {stream}-{n:03d}"


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


def contacts() -> list[dict[str, Any]]:
    """The villages' secretaries take SMS (no quiet hours: the suite may run at night)."""
    return [
        {
            "id": f"secretary:{village}",
            "name": f"书记 {village}",
            "kind": "secretary",
            "unit_code": village,
            "channels": ["inbox", "sms"],
            "phone": f"1390{village[-7:]}",
            "roles": [Role.VILLAGE_SECRETARY],
        }
        for village, _ in villages()
    ]


async def until_answered(call: Callable[[], Awaitable[httpx.Response]]) -> httpx.Response:
    """The call's answer, asking again while the service or what it needs is away
    (connection refused or cut, a timeout, a 5xx)."""
    deadline = time.monotonic() + RETRY_FOR_SECONDS
    while True:
        try:
            answer = await call()
            if answer.status_code < 500 or time.monotonic() > deadline:
                return answer
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
        await asyncio.sleep(0.5)


async def project_year(
    http: httpx.AsyncClient, projects_urls: Sequence[str], stream: str, n: int
) -> str | None:
    """Declare, submit and have it returned; the id, or None when the declaration's
    outcome is unknown (no answer, or a 5xx: the write may or may not have landed —
    the checks compare with what the projects service holds, whatever it is).

    With several replicas, requests go round the replicas the way a load balancer
    sends them: each attempt to the next one, and a refused connection (the request
    never arrived) to the next one at once."""
    village, township = villages()[n % len(villages())]
    first = n % len(projects_urls)
    replicas = itertools.cycle([*projects_urls[first:], *projects_urls[:first]])
    unit, above = auth(Role.VILLAGE_SECRETARY, village), auth(Role.TOWNSHIP_SECRETARY, township)
    created: httpx.Response | None = None
    for _ in projects_urls:
        try:
            created = await http.post(
                f"{next(replicas)}/v1/projects",
                json=declaration(village, title_of(stream, n)),
                headers=unit,
            )
            break
        except httpx.ConnectError:
            continue  # it never arrived: the next replica
        except httpx.TransportError:
            return None
    if created is None or created.status_code >= 500:
        return None
    assert created.status_code == 201, created.text
    project_id = str(created.json()["id"])
    # Each step names the version it expects: asking again after a lost answer is a
    # 409, never a second application.
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
                f"{next(replicas)}/v1/projects/{project_id}/{path}",
                json=body,
                headers={**headers, "If-Match": f'"{version}"'},
            )

        answer = await until_answered(step)
        assert answer.status_code in (200, 409), answer.text
    return project_id


async def stream_until(
    http: httpx.AsyncClient, projects: str | Sequence[str], fault: asyncio.Task[Any]
) -> list[str | None]:
    """Secretaries keep working, a few at once, until the fault has run its course
    (`projects`: the projects service's URL, or its replicas')."""
    urls = [projects] if isinstance(projects, str) else list(projects)
    results: list[str | None] = []
    stream, n = uuid.uuid4().hex[:6], 0
    while not fault.done() and n < MAX_PROJECTS:
        results += await asyncio.gather(
            *(project_year(http, urls, stream, n + k) for k in range(PARALLEL))
        )
        n += PARALLEL
        await asyncio.sleep(ROUND_PAUSE_SECONDS)
    await fault  # its own errors surface here
    return results
