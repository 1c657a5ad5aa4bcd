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
from typing import Any

import httpx
from pymongo import AsyncMongoClient

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

    # SMS: each project's notice goes out under one message key (stored before the
    # send), that key reached the gateway, and no other message names the project (a
    # second delivery).
    # Digests name their notices' titles; the key, not the text, says which message
    # a notice went out in (a digest cut for length names only some of them).
    titles = {pid: str(item["declaration"]["title"]) for pid, item in returned.items()}

    def gateway() -> list[tuple[str, str]]:
        """(text, idempotency key) of every request the SMS gateway received."""
        with p.sms.lock:
            sent = [
                (
                    str(r["body"].get("text", "")),
                    {k.lower(): v for k, v in r["headers"].items()}.get("idempotency-key"),
                )
                for r in p.sms.requests
            ]
        assert all(key for _, key in sent), "an SMS went out without an idempotency key"
        return [(text, str(key)) for text, key in sent]

    async def sms_unsent() -> list[str]:
        """Returned projects whose SMS has not reached the gateway."""
        keys = await sms_keys(p, list(returned))
        at_gateway = {key for _, key in gateway()}
        return sorted(pid for pid in returned if keys.get(pid) not in at_gateway)

    async def every_sms_sent() -> bool:
        return not await sms_unsent()

    async def sms_requests() -> int:
        with p.sms.lock:
            return len(p.sms.requests)

    if not await while_moving(every_sms_sent, sms_requests):
        unsent = await sms_unsent()
        raise AssertionError(
            f"no SMS for {[titles[pid] for pid in unsent]}; "
            f"{len(returned) - len(unsent)} of {len(returned)} sent\n"
            + "\n".join(troubles(name, 15) for name in ("notifications", "notifications-b"))
        )
    per_project = await notices_per_project()
    assert {pid: per_project[pid] for pid in returned} == dict.fromkeys(returned, 1)
    stored, sent = await sms_keys(p, list(returned)), gateway()
    keys = {pid: str(stored[pid]) for pid in returned}  # every one at the gateway (above)
    other_messages = {
        titles[pid]: sorted({key for text, key in sent if titles[pid] in text} - {keys[pid]})
        for pid in returned
    }
    assert not any(other_messages.values()), other_messages
    if no_resend:
        # This stream's projects: an earlier fault of the module may have left a
        # legitimate repeat (same key) behind.
        requests = Counter(key for _, key in sent)
        repeated = {
            titles[pid]: requests[keys[pid]] for pid in accepted if requests[keys[pid]] != 1
        }
        assert not repeated, repeated

    # Every consumer group has read its topics to the end.
    async def caught_up() -> bool:
        lags = [
            await group_lag(p.infra, p.groups[name], consumed_topics(name))
            for name in ("supervision", "notifications", "reporting")
        ]
        return all(lag == 0 for lag in lags)

    assert await eventually(caught_up, 60), "a consumer group did not read to the end"
    return converged_after


async def sms_keys(p: Platform, project_ids: list[str]) -> dict[str, str | None]:
    """Per project, the key of the message its returned-project notice's SMS goes out
    in, as the notifications service stored it before the send (None: not yet sent).
    The send's outcome may be recorded minutes later: after a database outage the
    dispatcher records it when the dead pass's claim lapses and it sends again under
    the same key (which the gateway drops)."""
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(p.infra.mongodb_uri, tz_aware=True)
    try:
        notices = client[p.env["LINGBAN_NOTIFICATIONS_MONGODB_DATABASE"]]["notifications"]
        found = notices.find(
            {"rule_id": "project-returned", "subject_id": {"$in": project_ids}},
            {"subject_id": 1, "deliveries.sms": 1},
        )
        return {str(doc["subject_id"]): doc["deliveries"]["sms"].get("key") async for doc in found}
    finally:
        await client.close()


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
