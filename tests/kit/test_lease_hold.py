"""`Lease.hold`: a busy loop renews its lease once per third of the TTL, not per cycle,
and asks again as soon as the lease may be someone else's."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, cast

import pytest

from lingban_kit.leases import Lease
from lingban_kit.mongo import Collection


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def monotonic(self) -> float:
        return self.now


class Collections:
    """Enough of a collection for `release`."""

    async def delete_one(self, query: Any) -> None:
        return None


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr("lingban_kit.leases.monotonic", fake.monotonic)
    return fake


def lease_answering(answers: list[bool]) -> tuple[Lease, list[bool]]:
    lease = Lease(cast(Collection, Collections()), "relay", timedelta(seconds=15), "me")
    asked: list[bool] = []

    async def acquire(now: Any = None) -> bool:
        answer = answers.pop(0)
        asked.append(answer)
        return answer

    lease.acquire = acquire  # type: ignore[method-assign]
    return lease, asked


async def test_a_recent_renewal_is_not_repeated_and_an_older_one_is(clock: Clock) -> None:
    lease, asked = lease_answering([True, True])
    assert await lease.hold()
    clock.now += 4.9  # under a third of 15 s
    assert await lease.hold()
    assert len(asked) == 1
    clock.now += 0.2  # 5.1 s since the renewal was sent
    assert await lease.hold()
    assert len(asked) == 2


async def test_a_refused_lease_is_asked_for_again_at_once(clock: Clock) -> None:
    lease, asked = lease_answering([False, False, True])
    assert not await lease.hold()
    assert not await lease.hold()
    assert await lease.hold()
    assert asked == [False, False, True]


async def test_a_lost_renewal_is_not_remembered_as_held(clock: Clock) -> None:
    lease, asked = lease_answering([True, False, True])
    assert await lease.hold()
    clock.now += 6  # renewal due: another holder took it meanwhile
    assert not await lease.hold()
    assert await lease.hold()  # asked again at once, not taken for held
    assert asked == [True, False, True]


async def test_after_release_the_lease_is_asked_for_again(clock: Clock) -> None:
    lease, asked = lease_answering([True, True])
    assert await lease.hold()
    await lease.release()
    assert await lease.hold()
    assert len(asked) == 2
