"""Safe scheduling on the real database: racing replicas send once; a restart
after downtime catches up once."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from lingban_kit.clock import FixedClock
from lingban_notifications.settings import NotificationsSettings
from tests.notifications.builders import TOWNSHIP, VILLAGE, local, subject_doc
from tests.notifications.conftest import (
    NotificationsApi,
    Receiver,
    SmtpServer,
    channel_directory,
    running,
)

pytestmark = pytest.mark.integration


async def seed_subjects(api: NotificationsApi) -> None:
    db = api.app.state.runtime.db
    await db["reminder_subjects"].insert_many(
        [
            subject_doc("p1", VILLAGE, months=("2026-04", "2026-05")),
            subject_doc("p2", "340881001002", months=("2026-04",)),
        ]
    )


async def test_two_replicas_racing_create_and_send_each_reminder_once(
    notif_settings: NotificationsSettings, smtp: SmtpServer, receivers: dict[str, Receiver]
) -> None:
    clock = FixedClock(local(2026, 4, 1, 9, 5))
    directory = channel_directory(smtp, receivers)
    async with (
        running(notif_settings, clock, directory) as one,
        running(notif_settings, clock) as two,
    ):
        await seed_subjects(one)
        for _ in range(3):  # ticks at the same moment on both replicas, several times
            await asyncio.gather(one.wiring.scheduler().tick(), two.wiring.scheduler().tick())
        # Even without the lease (a hand-over mid-tick) the dedupe key holds:
        # both replicas' planners create the same intents at once.
        scheduler = one.wiring.scheduler()
        rules = await scheduler.rules.current()
        from lingban_notifications.scheduling.evaluate import Evaluator, ProjectSubject

        docs = await one.app.state.runtime.db["reminder_subjects"].find({}).to_list(None)
        evaluator = Evaluator(rules, one.wiring.tree, await one.wiring.directory.all())
        intents = evaluator.evaluate(clock.now(), [ProjectSubject.from_document(d) for d in docs])
        assert intents
        created = await asyncio.gather(
            one.wiring.planner.create(intents, clock.now()),
            two.wiring.planner.create(intents, clock.now()),
        )
        assert [len(c) for c in created] == [0, 0]  # all existed from the ticks

        notifications = await one.notifications()
        keys = Counter(n["dedupe_key"] for n in notifications)
        assert keys
        assert max(keys.values()) == 1
        assert len(keys) == len({i.dedupe_key for i in intents})

        # Both dispatchers race over the same due deliveries.
        for _ in range(3):
            await asyncio.gather(
                one.wiring.dispatcher().run_once(), two.wiring.dispatcher().run_once()
            )
        emails = [n for n in await one.notifications() if "email" in n["deliveries"]]
        assert emails
        assert all(n["deliveries"]["email"]["status"] == "sent" for n in emails)
        assert len(smtp.messages) == len(emails)  # no digest here: one card per recipient
        recipients = Counter(m["To"] for m in smtp.messages)
        assert max(recipients.values()) == 1


async def test_restart_after_downtime_catches_up_once_not_once_per_missed_tick(
    notif_settings: NotificationsSettings, smtp: SmtpServer, receivers: dict[str, Receiver]
) -> None:
    clock = FixedClock(local(2026, 4, 23, 9))
    async with running(notif_settings, clock, channel_directory(smtp, receivers)) as before:
        await seed_subjects(before)
        await before.tick()
        assert {
            n["period"] for n in await before.notifications({"rule_id": "stage-deadline-warning"})
        } == {"2026-04/D-7"}

    # Down from April 23 to May 6: missed the 3- and 1-day warnings, five overdue
    # days, the escalation day and the May card's first working day.
    clock.set(local(2026, 5, 6, 10))
    async with running(notif_settings, clock) as after:
        await after.tick()
        await after.tick()  # a second tick at the same time adds nothing
        clock.set(local(2026, 5, 6, 10, 30))
        await after.tick()
        found = await after.notifications()

    def periods(rule: str, recipient: str) -> list[str]:
        return sorted(
            n["period"] for n in found if n["rule_id"] == rule and n["recipient_id"] == recipient
        )

    sec = f"secretary:{VILLAGE}"
    assert periods("stage-deadline-warning", sec) == ["2026-04/2026-05-06", "2026-04/D-7"]
    assert periods("stage-overdue-escalation", f"secretary:{TOWNSHIP}") == ["2026-04", "2026-04"]
    # (one per overdue project: p1 and p2, both in the township)
    assert len({n["subject_id"] for n in found if n["rule_id"] == "stage-overdue-escalation"}) == 2
    # April's card went out late on the 23rd (first run), May's once on the 6th.
    assert periods("monthly-card-township", f"secretary:{TOWNSHIP}") == ["2026-04", "2026-05"]
    assert all(d["status"] in ("sent", "skipped") for n in found for d in n["deliveries"].values())


async def test_the_database_refuses_a_second_copy_of_a_reminder(
    notif: NotificationsApi,
) -> None:
    from lingban_contracts.events.notifications import Channel
    from lingban_notifications.notifications.domain import Notification

    def copy() -> Notification:
        return Notification.create(
            rule_id="r",
            kind="deadline_warning",
            recipient_id=f"secretary:{VILLAGE}",
            recipient_kind="secretary",
            recipient_name="n",
            unit_code=VILLAGE,
            subject_type="stage",
            subject_id="p1/2026-04",
            subject_unit_code=VILLAGE,
            period="2026-04/D-3",
            title={"zh": "t", "en": "t"},
            body={"zh": "b", "en": "b"},
            link="l",
            requires_ack=False,
            channels=[Channel.INBOX],
            now=local(2026, 4, 27, 9),
        )

    repo = notif.wiring.repo
    results = await asyncio.gather(*(repo.add(copy()) for _ in range(4)))
    assert sorted(results) == [False, False, False, True]
    assert len(await notif.notifications()) == 1
