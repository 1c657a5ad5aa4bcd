"""A recipient reading (已读) a notice while another channel of it is being sent (R2):
the outcome is still recorded, so the message does not go out a second time."""

from __future__ import annotations

from datetime import timedelta

import pytest

from lingban_contracts.events.notifications import Channel
from lingban_kit.auth import Role
from lingban_notifications.delivery.channels import ChannelSender, Message
from lingban_notifications.directory.domain import Recipient
from tests.auth import auth
from tests.notifications.builders import VILLAGE, local, subject_doc
from tests.notifications.conftest import NotificationsApi, Receiver

pytestmark = pytest.mark.integration


async def test_reading_a_notice_during_a_send_keeps_the_outcome(
    notif: NotificationsApi, receivers: dict[str, Receiver]
) -> None:
    db = notif.app.state.runtime.db
    await db["reminder_subjects"].insert_one(
        subject_doc("p1", months=("2026-04",), weeks=("2026-W16",))
    )
    receivers["sms"].fail_next = 1  # the first SMS fails: the retry is sent with the inbox open
    start = local(2026, 4, 23, 9)
    notif.clock.set(start)
    await notif.tick()
    [w] = await notif.notifications({"rule_id": "stage-deadline-warning"})
    assert (w["deliveries"]["inbox"]["status"], w["deliveries"]["sms"]["status"]) == (
        "sent",
        "failed",
    )

    dispatcher = notif.wiring.dispatcher()
    real_sms = dispatcher.senders[Channel.SMS]
    reads: list[int] = []

    class ReadWhileSending(ChannelSender):
        channel = Channel.SMS

        async def send(self, recipient: Recipient, message: Message) -> None:
            headers = auth(Role.VILLAGE_SECRETARY, VILLAGE)
            r = await notif.http.post(f"/v1/inbox/{w['_id']}/read", headers=headers)
            reads.append(r.status_code)
            await real_sms.send(recipient, message)

    dispatcher.senders = {**dispatcher.senders, Channel.SMS: ReadWhileSending()}
    notif.clock.set(start + timedelta(seconds=60))
    await dispatcher.run_once()
    assert reads[:1] == [200]
    [w] = await notif.notifications({"rule_id": "stage-deadline-warning"})
    sms = w["deliveries"]["sms"]
    assert (sms["status"], sms["attempts"]) == ("sent", 2)  # recorded despite the read
    assert w["read_at"] is not None  # and the read kept
    assert "claim" not in w  # released by its holder
    # The next pass does not send it again (the count is the notice's own: the shared
    # broker may bring other tests' notices for this village too).
    await dispatcher.run_once()
    [again] = await notif.notifications({"rule_id": "stage-deadline-warning"})
    assert again["deliveries"]["sms"] == sms


async def test_only_the_claimer_releases_a_claim(notif: NotificationsApi) -> None:
    """A read, a signature or an escalation mark saves without touching the claim."""
    db = notif.app.state.runtime.db
    await db["reminder_subjects"].insert_one(
        subject_doc("p1", months=("2026-04",), weeks=("2026-W16",))
    )
    notif.clock.set(local(2026, 4, 23, 9))
    await notif.wiring.scheduler().tick()
    repo = notif.wiring.repo
    [(n, rev)] = [
        c
        for c in await repo.claim_due(notif.clock.now(), "replica-a", timedelta(minutes=2), 10)
        if c[0].rule_id == "stage-deadline-warning"
    ]
    n.mark_ack_escalated()
    assert await repo.save(n, rev)  # no claim named: someone else's write
    [doc] = await notif.notifications({"_id": n.id})
    assert doc["claim"] == "replica-a"
    assert not await repo.save(n, rev)  # `rev` still guards against lost updates
    assert await repo.save(n, rev + 1, claim="replica-b")  # not b's to release
    [doc] = await notif.notifications({"_id": n.id})
    assert doc["claim"] == "replica-a"
    assert await repo.save(n, rev + 2, claim="replica-a")
    [doc] = await notif.notifications({"_id": n.id})
    assert "claim" not in doc
    assert "claim_until" not in doc
