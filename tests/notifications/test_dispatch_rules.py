"""Dispatcher and notification rules on fakes: digests, quiet hours, skips, backoff, redaction."""

from __future__ import annotations

from datetime import timedelta

import pytest

from lingban_contracts import Actor
from lingban_contracts.events.notifications import Channel
from lingban_kit.clock import FixedClock
from lingban_kit.errors import Conflict, InvalidTransition
from lingban_notifications.delivery.dispatcher import Dispatcher
from lingban_notifications.directory.domain import QuietHours, Recipient
from lingban_notifications.notifications.domain import Notification, Retry
from lingban_notifications.scheduling.planner import Planner
from tests.notifications.builders import VILLAGE, directory, evaluator, local, subject
from tests.notifications.fakes import FakeDirectory, FakeNotificationRepository, RecordingSender

SEC = f"secretary:{VILLAGE}"


def village_secretary(**changes: object) -> Recipient:
    base = directory()[SEC].model_dump()
    return Recipient.model_validate({**base, "channels": ["inbox", "sms"], **changes})


async def setup(
    recipient: Recipient, *, sms_failures: int = 0, sms_configured: bool = True
) -> tuple[FakeNotificationRepository, Dispatcher, RecordingSender, FixedClock]:
    clock = FixedClock(local(2026, 4, 23, 9))
    repo = FakeNotificationRepository()
    entries = {**directory(), recipient.id: recipient}
    fake_directory = FakeDirectory(list(entries.values()))
    ev = evaluator()
    ev.directory = entries
    intents = [
        i
        for i in ev.evaluate(clock.now(), [subject(project_id="p1"), subject(project_id="p2")])
        if i.rule.id == "stage-deadline-warning"
    ]
    assert len(intents) == 2
    await Planner(repo, "https://x").create(intents, clock.now())
    sms = RecordingSender(Channel.SMS, configured=sms_configured, failures=sms_failures)
    senders = {Channel.INBOX: RecordingSender(Channel.INBOX), Channel.SMS: sms}
    dispatcher = Dispatcher(
        repo, fake_directory, dict(senders), Retry(3, timedelta(seconds=60)), clock, "me"
    )
    return repo, dispatcher, sms, clock


def notifications(repo: FakeNotificationRepository) -> list[Notification]:
    return [n for n, _ in repo.items.values()]


async def test_two_due_notices_on_one_channel_go_out_as_one_digest() -> None:
    repo, dispatcher, sms, _ = await setup(village_secretary())
    assert await dispatcher.run_once() == 2
    assert len(sms.sent) == 1
    assert sms.sent[0][1].count == 2
    digests = {n.deliveries[Channel.SMS].digest_id for n in notifications(repo)}
    assert len(digests) == 1
    assert None not in digests
    assert repo.published.count("lingban.notifications.notification-sent.v1") == 4
    assert await dispatcher.run_once() == 0  # nothing left


async def test_quiet_hours_defer_sms_but_not_the_inbox() -> None:
    quiet = QuietHours.model_validate({"start": "08:00", "end": "12:30"})
    repo, dispatcher, sms, clock = await setup(village_secretary(quiet_hours=quiet))
    await dispatcher.run_once()
    for n in notifications(repo):
        assert n.deliveries[Channel.INBOX].status == "sent"
        assert n.deliveries[Channel.SMS].status == "pending"
        assert n.deliveries[Channel.SMS].attempts == 0
        assert n.deliveries[Channel.SMS].next_attempt_at == local(2026, 4, 23, 12, 30)
    assert sms.sent == []
    clock.set(local(2026, 4, 23, 12, 30))
    await dispatcher.run_once()
    assert len(sms.sent) == 1  # what piled up goes out as one digest


async def test_a_channel_the_deployment_lacks_is_skipped_not_retried() -> None:
    repo, dispatcher, _, _ = await setup(village_secretary(), sms_configured=False)
    await dispatcher.run_once()
    assert {n.deliveries[Channel.SMS].status for n in notifications(repo)} == {"skipped"}
    assert not any(n.open for n in notifications(repo))


async def test_backoff_doubles_and_errors_leave_contact_data_out() -> None:
    repo, dispatcher, _, clock = await setup(village_secretary(), sms_failures=10)
    start = clock.now()
    await dispatcher.run_once()
    [n, _] = notifications(repo)
    sms = n.deliveries[Channel.SMS]
    assert (sms.status, sms.attempts, sms.next_attempt_at) == (
        "failed",
        1,
        start + timedelta(seconds=60),
    )
    assert "1380" not in (sms.last_error or "")
    assert "***" in (sms.last_error or "")
    clock.set(start + timedelta(seconds=60))
    await dispatcher.run_once()
    [n, _] = notifications(repo)
    assert n.deliveries[Channel.SMS].next_attempt_at == start + timedelta(seconds=60 + 120)
    clock.set(start + timedelta(seconds=180))
    await dispatcher.run_once()
    [n, _] = notifications(repo)
    assert n.deliveries[Channel.SMS].status == "dead"
    assert repo.published.count("lingban.notifications.notification-failed.v1") == 6


async def test_muted_rule_and_signing_rules() -> None:
    repo, _, _, _ = await setup(village_secretary(muted_rules=["stage-deadline-warning"]))
    assert notifications(repo) == []  # opted out of the rule: nothing created
    repo, dispatcher, _, clock = await setup(village_secretary())
    await dispatcher.run_once()
    n = notifications(repo)[0]
    with pytest.raises(InvalidTransition):
        n.acknowledge(Actor(id="u"), clock.now())  # warnings need no signing
    n.requires_ack = True
    n.acknowledge(Actor(id="u"), clock.now())
    with pytest.raises(Conflict):
        n.acknowledge(Actor(id="u"), clock.now())
    with pytest.raises(InvalidTransition):
        n.replay(Channel.SMS, clock.now())  # not dead
