"""A digest gathers its recipient's other due notices, so a sweep's thousands reach each
secretary as one SMS, however the dispatcher's batches fall.

Why: a batch is the oldest due notices, whoever they are for. A Monday's sweep on a
province-sized year gives each of ~240 secretaries hundreds of notices; batches of 200
held a few of each, and one digest per pass that held some was a dozen SMS to a
secretary in a morning (bench/monday_sweep.py). On fakes for the dispatcher's rules,
on the real database for the recipient's claim and its index."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from lingban_contracts.events.notifications import Channel
from lingban_kit.clock import FixedClock
from lingban_kit.explain import assert_indexed
from lingban_notifications.delivery.dispatcher import Dispatcher
from lingban_notifications.directory.domain import Recipient
from lingban_notifications.notifications.domain import Retry
from lingban_notifications.notifications.repository import (
    MongoNotificationRepository,
    recipient_due_filter,
)
from tests.notifications.builders import directory
from tests.notifications.fakes import FakeDirectory, FakeNotificationRepository, RecordingSender
from tests.notifications.test_query_plans import NOW, SECRETARY, notice

HOLD = timedelta(minutes=2)


def secretaries(count: int) -> list[Recipient]:
    """Village secretaries taking the inbox and SMS."""
    found = [r for r in directory().values() if r.id.startswith("secretary:") and r.phone]
    return [
        r.model_copy(update={"channels": [Channel.INBOX, Channel.SMS], "quiet_hours": None})
        for r in found[:count]
    ]


async def sweep(
    recipients: list[Recipient], each: int
) -> tuple[FakeNotificationRepository, Dispatcher, RecordingSender]:
    """`each` due notices per recipient, stored interleaved (as a sweep's townships mix)."""
    repo = FakeNotificationRepository()
    for number in range(each):
        for r in recipients:
            assert await repo.add(
                notice(r.id, f"2026-W{number:02d}", at=NOW, channels=(Channel.INBOX, Channel.SMS))
            )
    sms = RecordingSender(Channel.SMS)
    senders = {Channel.INBOX: RecordingSender(Channel.INBOX), Channel.SMS: sms}
    dispatcher = Dispatcher(
        repo, FakeDirectory(recipients), dict(senders), Retry(3, timedelta(seconds=60)),
        FixedClock(NOW), "me",
    )  # fmt: skip
    dispatcher.batch_size = 10
    return repo, dispatcher, sms


async def drain(dispatcher: Dispatcher) -> int:
    passes = 0
    while await dispatcher.run_once():
        passes += 1
        assert passes < 100
    return passes


def assert_each_sent_once(repo: FakeNotificationRepository, sms: RecordingSender) -> None:
    notices = [n for n, _ in repo.items.values()]
    assert not any(n.open for n in notices)
    assert all(n.deliveries[c].status == "sent" for n in notices for c in n.deliveries)
    # Every notice in exactly one message: the messages' counts add up to the notices.
    assert sum(message.count for _, message in sms.sent) == len(notices)


async def test_a_sweep_reaches_each_recipient_as_one_digest() -> None:
    recipients = secretaries(4)
    repo, dispatcher, sms = await sweep(recipients, each=30)
    await drain(dispatcher)

    per_recipient = Counter(recipient_id for recipient_id, _ in sms.sent)
    assert per_recipient == {r.id: 1 for r in recipients}
    assert all(message.count == 30 for _, message in sms.sent)
    assert_each_sent_once(repo, sms)


async def test_a_digest_gathers_at_most_its_limit_and_the_rest_wait_their_turn() -> None:
    recipients = secretaries(4)
    repo, dispatcher, sms = await sweep(recipients, each=30)
    dispatcher.gather_limit = 25  # the first recipient's rest; nobody else's in that pass
    await drain(dispatcher)

    per_recipient = Counter(recipient_id for recipient_id, _ in sms.sent)
    assert set(per_recipient) == {r.id for r in recipients}
    # A recipient gathered in full goes as one message; one cut off by the limit, as two.
    assert all(count <= 2 for count in per_recipient.values())
    assert_each_sent_once(repo, sms)


async def test_without_gathering_the_batches_would_split_each_recipient() -> None:
    """The flood this prevents, shown on the same sweep (and a check on the sweep)."""
    recipients = secretaries(4)
    repo, dispatcher, sms = await sweep(recipients, each=30)
    dispatcher.gather_limit = 0
    await drain(dispatcher)

    per_recipient = Counter(recipient_id for recipient_id, _ in sms.sent)
    assert min(per_recipient.values()) >= 5  # 120 notices in batches of 10, 4 recipients
    assert_each_sent_once(repo, sms)


async def test_the_recipient_claim_takes_only_its_due_open_free_notices(
    repo: MongoNotificationRepository,
) -> None:
    other = "secretary:340881001002"
    due = notice(SECRETARY, "due", at=NOW - timedelta(minutes=1), channels=(Channel.SMS,))
    later = notice(SECRETARY, "later", at=NOW + timedelta(minutes=1), channels=(Channel.SMS,))
    theirs = notice(other, "theirs", at=NOW - timedelta(minutes=1), channels=(Channel.SMS,))
    held = notice(SECRETARY, "held", at=NOW - timedelta(minutes=1), channels=(Channel.SMS,))
    sent = notice(SECRETARY, "sent", at=NOW - timedelta(minutes=1), channels=(Channel.SMS,))
    sent.mark_sent(Channel.SMS, NOW)
    for n in (due, later, theirs, held, sent):
        assert await repo.add(n)
    taken = {"claim": "other", "claim_until": datetime(2099, 1, 1, tzinfo=UTC)}
    await repo.collection.update_one({"_id": held.id}, {"$set": taken})

    claimed = await repo.claim_due(NOW, "me", HOLD, 10, recipient_id=SECRETARY)
    assert [n.id for n, _ in claimed] == [due.id]  # not later, theirs, held (other's), sent
    await assert_indexed(repo.collection, recipient_due_filter(SECRETARY, NOW))
