"""A tick takes the due projects a few whole townships at a time (real database):
what it creates is what one evaluation of every project gives, a township's card
still lists all of its projects, and a tick that loses the lease between chunks
leaves the rest for the replica that holds it."""

from __future__ import annotations

from typing import Any

import pytest

from lingban_kit.leases import Lease
from lingban_notifications.scheduling.due import LIVE
from lingban_notifications.scheduling.evaluate import Evaluator, ProjectSubject
from lingban_notifications.scheduling.scheduler import STATE, Scheduler
from lingban_notifications.subjects.tracking import DUE_AT, SUBJECTS
from tests.notifications.builders import TOWNSHIP, VILLAGE, VILLAGE_2, local, subject_doc
from tests.notifications.conftest import NotificationsApi, at

pytestmark = pytest.mark.integration

# 龙腾街道 and two of its villages: a second township beside 文昌街道.
OTHER_TOWNSHIP = "340881002000"
OTHER_VILLAGES = ("340881002001", "340881002002")
# April's first working day, after the cards' time.
CARD_DAY = local(2026, 4, 1, 10)

Key = tuple[str, str, str, str]


def key(n: dict[str, Any]) -> Key:
    return (n["rule_id"], n["subject_id"], n["recipient_id"], n["period"])


async def seed(notif: NotificationsApi) -> None:
    units = (VILLAGE, VILLAGE_2, *OTHER_VILLAGES)
    await notif.app.state.runtime.db[SUBJECTS].insert_many(
        [subject_doc(f"p{n}", unit) for n, unit in enumerate(units * 2)]
    )


async def reference(notif: NotificationsApi) -> dict[Key, str]:
    """One evaluation of every live project: what the tick must create, with the body."""
    wiring = notif.wiring
    evaluator = Evaluator(await wiring.rules.current(), wiring.tree, await wiring.directory.all())
    db = notif.app.state.runtime.db
    subjects = [ProjectSubject.from_document(d) async for d in db[SUBJECTS].find({})]
    intents = evaluator.evaluate(notif.clock.now(), [s for s in subjects if s.status in LIVE])
    assert {i.rule.id for i in intents} >= {"monthly-card-township", "monthly-card-task-force"}
    return {
        (i.rule.id, i.subject_id, i.recipient.id, i.period): i.vars.get("items", "")
        for i in intents
    }


async def created_keys(notif: NotificationsApi, expected: dict[Key, str]) -> list[Key]:
    """The keys of the notices created under the reference's rules, sorted."""
    created = await notif.notifications({"rule_id": {"$in": sorted({k[0] for k in expected})}})
    return sorted(key(n) for n in created)


def chunked(notif: NotificationsApi, lease: Lease | None = None) -> Scheduler:
    scheduler = notif.wiring.scheduler()
    scheduler.chunk_size = 1  # every township is a chunk of its own
    if lease is not None:
        scheduler.lease = lease
    return scheduler


async def test_a_tick_in_chunks_creates_what_one_evaluation_of_everything_gives(
    notif: NotificationsApi,
) -> None:
    await seed(notif)
    at(notif, CARD_DAY)
    expected = await reference(notif)
    await chunked(notif).tick()

    assert await created_keys(notif, expected) == sorted(expected)
    created = await notif.notifications({"rule_id": "monthly-card-township"})
    # A township's card lists all four of its projects, though each chunk held one
    # township's: a chunk never splits a township.
    cards = {n["subject_id"]: n for n in created}
    assert set(cards) == {TOWNSHIP, OTHER_TOWNSHIP}
    for township, card in cards.items():
        assert card["title"]["zh"].endswith("（4 项）")
        assert expected[key(card)] in card["body"]["zh"]
        assert card["body"]["zh"].count("助餐服务") == 4, township


class HandedOverAfterFirstChunk(Lease):
    """The real lease, which lets go after the first chunk: its second `hold` releases
    it and refuses, as when another replica took it meanwhile. (The takeover itself is
    the second scheduler's tick, later in the test.)"""

    holds = 0

    async def hold(self) -> bool:
        self.holds += 1
        if self.holds > 1:
            await self.release()
            return False
        return await super().hold()


async def test_a_tick_that_loses_the_lease_between_chunks_leaves_the_rest_where_it_was(
    notif: NotificationsApi,
) -> None:
    await seed(notif)
    at(notif, CARD_DAY)
    expected = await reference(notif)
    first = notif.wiring.scheduler("replica-a").lease
    lease = HandedOverAfterFirstChunk(first.collection, first.name, first.ttl, first.holder)
    await chunked(notif, lease).tick()

    db = notif.app.state.runtime.db
    slots = [(d["unit_code"], d.get(DUE_AT)) async for d in db[SUBJECTS].find({})]
    # 文昌街道 (the first chunk) is filed under its next slot; 龙腾街道 was not reached.
    assert all(slot for unit, slot in slots if unit in (VILLAGE, VILLAGE_2))
    assert all(slot is None for unit, slot in slots if unit in OTHER_VILLAGES)
    assert await db[STATE].find_one({"_id": "scheduler"}) is None  # nor was the end
    reached = {key(n) for n in await notif.notifications()}
    assert {k[1] for k in reached if k[0] == "monthly-card-township"} == {TOWNSHIP}
    assert reached < set(expected)

    # The replica that holds the lease now goes on: everything, each exactly once.
    await notif.wiring.scheduler("replica-b").tick()
    assert await created_keys(notif, expected) == sorted(expected)
    assert all([d.get(DUE_AT) async for d in db[SUBJECTS].find({})])
