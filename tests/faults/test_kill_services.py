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

import httpx
import pytest

from lingban_kit.auth import Role
from tests.auth import auth
from tests.faults.checks import assert_nothing_lost_or_doubled, record_recovery
from tests.faults.conftest import Platform
from tests.faults.workload import CITY, contacts, stream_until

pytestmark = pytest.mark.integration

ORDER = ("projects", "notifications", "reporting", "supervision")


async def test_nothing_is_lost_or_doubled_when_each_service_is_killed(platform: Platform) -> None:
    p, rng = platform, random.Random()

    async def kill_each_in_turn() -> None:
        for name in ORDER:
            await asyncio.sleep(rng.uniform(1.0, 4.0))
            await p.kill(name)
            await p.restart_dead()

    async with httpx.AsyncClient(timeout=30) as http:
        stored = await http.put(
            f"{p.urls['notifications']}/v1/contacts",
            json=contacts(),
            headers=auth(Role.CITY_ORG, CITY),
        )
        assert stored.status_code == 200, stored.text
        results = await stream_until(
            http, p.urls["projects"], asyncio.create_task(kill_each_in_turn())
        )
        record_recovery(
            "each service killed in turn", await assert_nothing_lost_or_doubled(http, p, results)
        )
