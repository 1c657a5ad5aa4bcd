"""After a fault: compare every read model and every channel with the owning service."""

from __future__ import annotations

import asyncio
import json
import os
import re
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx

from devstack.paths import logs_dir
from lingban_contracts.statuses import ProjectStatus
from lingban_kit.auth import Role
from tests.auth import auth
from tests.faults.conftest import SERVICES_PROFILE, Platform, consumed_topics
from tests.faults.lag import group_lag
from tests.faults.workload import CITY, YEAR

# How long a read model or a channel may stay where it is before it counts as stuck.
# A backlog is worked off at the machine's pace (on two loaded cores a broker outage's
# backlog takes notifications minutes), so the wait goes on while it moves, up to a cap.
STALL_SECONDS = 90.0
CONVERGE_CAP_SECONDS = 600.0
# Each fault's measured recovery (seconds until every read model matched the owner,
# counted from the end of the fault), for docs/reliability.md.
RECOVERY_FILE = (
    Path(
        os.environ.get(
            "LINGBAN_TEST_ARTEFACTS", Path(__file__).resolve().parents[2] / "test-artefacts"
        )
    )
    / "faults"
    / "recovery.json"
)


def troubles(service: str, lines: int = 30) -> str:
    """The service's last warnings and errors, for a failure message: CI keeps only
    what the test printed, not the services' log files."""
    log = logs_dir(SERVICES_PROFILE) / f"{service}.log"
    if not log.exists():
        return f"({log} does not exist)"
    with log.open(encoding="utf-8", errors="replace") as f:
        bad = [
            line.rstrip()[:400]  # a traceback's first lines say enough
            for line in f
            if '"level": "warning"' in line or '"level": "error"' in line
        ]
    return "\n".join(bad[-lines:]) or f"(no warning or error in {log})"


def record_recovery(fault: str, seconds: float) -> None:
    RECOVERY_FILE.parent.mkdir(parents=True, exist_ok=True)
    known = json.loads(RECOVERY_FILE.read_text()) if RECOVERY_FILE.exists() else {}
    known[fault] = round(seconds, 1)
    RECOVERY_FILE.write_text(json.dumps(known, ensure_ascii=False, indent=2) + "\n")


async def while_moving(
    check: Callable[[], Awaitable[bool]], progress: Callable[[], Awaitable[object]]
) -> bool:
    """Whether `check` came true, waiting as long as `progress` keeps changing: False
    once it stood still for STALL_SECONDS (stuck), or after CONVERGE_CAP_SECONDS."""
    started = last_move = time.monotonic()
    last = await progress()
    while not await check():
        now = time.monotonic()
        if now - last_move > STALL_SECONDS or now - started > CONVERGE_CAP_SECONDS:
            return False
        await asyncio.sleep(1.0)
        current = await progress()
        if current != last:
            last, last_move = current, time.monotonic()
    return True


async def eventually(check: Callable[[], Awaitable[bool]], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if await check():
            return True
        await asyncio.sleep(1.0)
    return await check()


async def assert_nothing_lost_or_doubled(
    http: httpx.AsyncClient, p: Platform, results: list[str | None], *, no_resend: bool = False
) -> float:
    """Every check of the suite; returns the seconds until the read models matched.

    `no_resend`: for this stream's projects, not even a repeat the gateway would drop
    (same idempotency key) was sent — for faults where nothing can leave a send's
    outcome unknown (no crash, no outage), so any repeat is a second send, not a retry.
    """
    started = time.monotonic()
    city = auth(Role.CITY_ORG, CITY)
    answer = await http.get(
        f"{p.urls['projects']}/v1/projects",
        params={"region": CITY, "year": YEAR, "limit": 500},
        headers=city,
    )
    assert answer.status_code == 200, answer.text
    truth = {str(item["id"]): item for item in answer.json()}
    accepted = [pid for pid in results if pid is not None]
    assert accepted, "no command was accepted during the fault"
    assert set(accepted) <= set(truth)  # every accepted declaration is kept ...
    returned = {
        pid: item for pid, item in truth.items() if item["status"] == ProjectStatus.RETURNED
    }
    assert set(accepted) <= set(returned)  # ... and went all the way

    # Reporting: the same projects at the same versions, nothing more.
    expected = {pid: int(item["version"]) for pid, item in truth.items()}

    async def reporting_versions() -> dict[str, int]:
        listed = await http.get(
            f"{p.urls['reporting']}/v1/projects",
            params={"region": CITY, "year": YEAR, "limit": 500},
            headers=auth(Role.LEADER, CITY),
        )
        if listed.status_code != 200:
            return {}
        return {str(v["id"]): int(v["version"]) for v in listed.json()["items"]}

    async def reporting_matches() -> bool:
        return await reporting_versions() == expected

    async def versions_or_backlog() -> tuple[dict[str, int], int]:
        lag = await group_lag(p.infra, p.groups["reporting"], consumed_topics("reporting"))
        return await reporting_versions(), lag

    assert await while_moving(reporting_matches, versions_or_backlog), (
        await reporting_versions(),
        expected,
    )
    converged_after = time.monotonic() - started

    # Notifications: one inbox notice per returned project, one SMS.
    villages = sorted({str(item["unit_code"]) for item in returned.values()})

    async def notices_per_project() -> Counter[str]:
        found: Counter[str] = Counter()
        for village in villages:
            offset = 0
            while True:
                inbox = await http.get(
                    f"{p.urls['notifications']}/v1/inbox",
                    params={"limit": 200, "offset": offset},
                    headers=auth(Role.VILLAGE_SECRETARY, village),
                )
                assert inbox.status_code == 200, inbox.text
                page = inbox.json()
                found.update(n["subject_id"] for n in page if n["rule_id"] == "project-returned")
                if len(page) < 200:
                    break
                offset += 200
        return found

    async def every_notice_made() -> bool:
        return set(returned) <= set(await notices_per_project())

    async def notices_or_backlog() -> tuple[Counter[str], int]:
        # A consumer working off a backlog of other events makes no notice for a
        # while: that is progress too, not a stall.
        lag = await group_lag(p.infra, p.groups["notifications"], consumed_topics("notifications"))
        return await notices_per_project(), lag

    if not await while_moving(every_notice_made, notices_or_backlog):
        made, lag = await notices_or_backlog()
        missing = sorted(set(returned) - set(made))
        raise AssertionError(
            f"{len(missing)} returned projects got no notice ({missing[:5]}); "
            f"notifications' consumer group is {lag} records behind\n" + troubles("notifications")
        )

    def sms_per_title() -> Counter[str]:
        """Deliveries per project as the gateway counts them: requests that carry the
        same idempotency key are one delivery (a gateway drops the repeat)."""
        with p.sms.lock:
            sent = [
                (
                    str(r["body"].get("text", "")),
                    {k.lower(): v for k, v in r["headers"].items()}.get("idempotency-key"),
                )
                for r in p.sms.requests
            ]
        assert all(key for _, key in sent), "an SMS went out without an idempotency key"
        titles = [str(item["declaration"]["title"]) for item in returned.values()]
        deliveries = {(title, key) for text, key in sent for title in titles if title in text}
        return Counter(title for title, _ in deliveries)

    async def every_sms_sent() -> bool:
        return len(sms_per_title()) == len(returned)

    async def sms_requests() -> int:
        with p.sms.lock:
            return len(p.sms.requests)

    if not await while_moving(every_sms_sent, sms_requests):
        wanted = {str(item["declaration"]["title"]) for item in returned.values()}
        raise AssertionError(
            f"no SMS for {sorted(wanted - set(sms_per_title()))}; "
            f"{len(sms_per_title())} of {len(wanted)} sent\n"
            + "\n".join(troubles(name, 15) for name in ("notifications", "notifications-b"))
        )
    per_project = await notices_per_project()
    assert {pid: per_project[pid] for pid in returned} == dict.fromkeys(returned, 1)
    assert set(sms_per_title().values()) == {1}, sms_per_title()
    if no_resend:
        with p.sms.lock:
            texts = [str(r["body"].get("text", "")) for r in p.sms.requests]
        # This stream's projects: an earlier fault of the module may have left a
        # legitimate repeat (same key) behind.
        titles = [str(returned[pid]["declaration"]["title"]) for pid in accepted]
        requests = Counter(title for text in texts for title in titles if title in text)
        assert set(requests.values()) == {1}, requests

    # Every consumer group has read its topics to the end.
    async def caught_up() -> bool:
        lags = [
            await group_lag(p.infra, p.groups[name], consumed_topics(name))
            for name in ("supervision", "notifications", "reporting")
        ]
        return all(lag == 0 for lag in lags)

    assert await eventually(caught_up, 60), "a consumer group did not read to the end"
    return converged_after


DEAD_LETTERED = re.compile(
    r'^lingban_events_consumed_total\{[^}]*outcome="dead_lettered"[^}]*\} (\S+)$', re.MULTILINE
)


async def dead_lettered(http: httpx.AsyncClient, p: Platform) -> float:
    """Events the running services sent to a dead-letter topic since they started."""
    total = 0.0
    for name in ("supervision", "notifications", "reporting"):
        text = (await http.get(f"{p.urls[name]}/metrics")).text
        total += sum(float(v) for v in DEAD_LETTERED.findall(text))
    return total
