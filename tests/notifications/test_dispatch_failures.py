"""The dispatcher when a channel misbehaves (R1/LB-06) or the process dies in the
middle of a pass (R3): no pass aborts, and nothing already sent goes out again."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
import pytest

from lingban_contracts.events.notifications import Channel
from lingban_kit.clock import FixedClock
from lingban_notifications.delivery.channels import ChannelSender, Message, compose
from lingban_notifications.delivery.dispatcher import Dispatcher
from lingban_notifications.delivery.email import EmailSender, SmtpConfig
from lingban_notifications.delivery.sms import HttpSmsProvider, SmsSender
from lingban_notifications.directory.domain import Recipient
from lingban_notifications.notifications.domain import Notification
from tests.notifications.builders import VILLAGE, local
from tests.notifications.conftest import SmtpServer, subject_of
from tests.notifications.fakes import FakeDirectory, FakeNotificationRepository, RecordingSender
from tests.notifications.test_dispatch_rules import notifications, setup, village_secretary
from tests.sinks import serve_receiver


class ExplodingSender(ChannelSender):
    """Raises something that is not a DeliveryError (httpx.InvalidURL, ValueError …)."""

    def __init__(self, channel: Channel, error: BaseException) -> None:
        self.channel = channel
        self.error = error
        self.calls = 0

    async def send(self, recipient: Recipient, message: Message) -> None:
        self.calls += 1
        raise self.error


@pytest.mark.parametrize(
    "error",
    [httpx.InvalidURL("Invalid port: 'b'"), ValueError("Header values may not contain linefeed")],
)
async def test_an_unexpected_channel_error_is_that_deliverys_failure(
    error: Exception,
) -> None:
    repo, dispatcher, _, _ = await setup(village_secretary())
    dispatcher.senders[Channel.SMS] = ExplodingSender(Channel.SMS, error)
    assert await dispatcher.run_once() == 2  # the pass completes
    for n in notifications(repo):
        assert n.deliveries[Channel.INBOX].status == "sent"
        sms = n.deliveries[Channel.SMS]
        assert (sms.status, sms.attempts) == ("failed", 1)
        assert sms.last_error == f"sms: {type(error).__name__}"  # no exception text echoed
    assert await dispatcher.run_once() == 0  # recorded: nothing due before the backoff


def sms_notice(recipient: Recipient, subject_id: str) -> Notification:
    return Notification.create(
        rule_id="stage-deadline-warning",
        kind="deadline_warning",
        recipient_id=recipient.id,
        recipient_kind=recipient.kind.value,
        recipient_name=recipient.name,
        unit_code=recipient.unit_code,
        subject_type="project",
        subject_id=subject_id,
        subject_unit_code=recipient.unit_code,
        period="2026-04/D-7",
        title={"zh": f"{subject_id} 预警", "en": "warning"},
        body={"zh": "正文", "en": "body"},
        link=f"https://x/{subject_id}",
        requires_ack=False,
        channels=[Channel.INBOX, Channel.SMS],
        now=local(2026, 4, 23, 9),
    )


async def two_recipients() -> tuple[FakeNotificationRepository, Dispatcher, RecordingSender]:
    first = village_secretary(phone="13800000001")
    second = village_secretary(id="secretary:340881001002", unit_code="340881001002")
    repo, dispatcher, sms, _ = await setup(first)
    repo.items.clear()
    for n in (sms_notice(first, "p1"), sms_notice(second, "p2")):
        await repo.add(n)
    dispatcher.directory = FakeDirectory([first, second])
    return repo, dispatcher, sms


async def test_a_crash_mid_pass_resends_at_most_the_delivery_in_flight() -> None:
    repo, dispatcher, sms = await two_recipients()
    clock = dispatcher.clock
    assert isinstance(clock, FixedClock)
    first, second = (f"secretary:{VILLAGE}", "secretary:340881001002")

    class DiesOnTheSecondSms(ChannelSender):
        channel = Channel.SMS

        async def send(self, recipient: Recipient, message: Message) -> None:
            if sms.sent:  # SIGTERM / kill while the second message is in flight
                raise asyncio.CancelledError
            await sms.send(recipient, message)

    dispatcher.senders[Channel.SMS] = DiesOnTheSecondSms()
    with pytest.raises(asyncio.CancelledError):
        await dispatcher.run_once()
    assert [r for r, _ in sms.sent] == [first]
    # What went out before the crash is recorded already; the inbox is never held back.
    state = {
        n.recipient_id: (n.deliveries[Channel.INBOX].status, n.deliveries[Channel.SMS].status)
        for n in notifications(repo)
    }
    assert state == {first: ("sent", "sent"), second: ("sent", "pending")}
    dispatcher.senders[Channel.SMS] = sms
    clock.set(clock.now() + timedelta(minutes=3))  # the dead pass's claims have lapsed
    assert await dispatcher.run_once() == 1
    assert [r for r, _ in sms.sent] == [first, second]  # the first not sent twice
    assert not any(n.open for n in notifications(repo))


async def test_a_pass_stops_sending_before_its_claims_could_lapse() -> None:
    repo, dispatcher, sms = await two_recipients()
    dispatcher.hold = timedelta(0)  # every send now takes "too long"
    assert await dispatcher.run_once() == 2
    assert len(sms.sent) == 1  # one message, then the pass gave the rest back
    assert repo.claims == {}  # released, not left to lapse
    assert sorted(n.deliveries[Channel.SMS].status for n in notifications(repo)) == [
        "pending",
        "sent",
    ]
    dispatcher.hold = timedelta(minutes=2)
    assert await dispatcher.run_once() == 1
    assert len(sms.sent) == 2
    assert not any(n.open for n in notifications(repo))


def test_subjects_never_carry_line_breaks() -> None:
    n = Notification.create(
        rule_id="r",
        kind="k",
        recipient_id="secretary:x",
        recipient_kind="secretary",
        recipient_name="x",
        unit_code="340881001001",
        subject_type="project",
        subject_id="p1",
        subject_unit_code=None,
        period="p",
        title={"zh": "项目\r\nBcc: victim@example.cn", "en": "a\nb"},
        body={"zh": "正文", "en": "body"},
        link="https://x/p1",
        requires_ack=False,
        channels=[Channel.EMAIL],
        now=local(2026, 4, 23, 9),
    )
    message = compose([n])
    assert message.subject == "项目 Bcc: victim@example.cn"


async def test_an_email_subject_with_a_line_break_goes_out_on_one_line(smtp: SmtpServer) -> None:
    sender = EmailSender(SmtpConfig(host=smtp.host, port=smtp.port))
    recipient = village_secretary(email="nanpu@example.cn", channels=["inbox", "email"])
    await sender.send(
        recipient, Message(subject="项目\r\nBcc: victim@example.cn", text="t", link=None)
    )
    [mail] = smtp.messages
    assert mail["Bcc"] is None
    assert subject_of(mail) == "项目 Bcc: victim@example.cn"


def _notice(subject_id: str) -> Notification:
    return Notification.create(
        rule_id="r",
        kind="k",
        recipient_id="secretary:x",
        recipient_kind="secretary",
        recipient_name="x",
        unit_code="340881001001",
        subject_type="project",
        subject_id=subject_id,
        subject_unit_code=None,
        period="p",
        title={"zh": "项目被退回", "en": "Returned"},
        body={"zh": "正文", "en": "body"},
        link="https://x/p1",
        requires_ack=False,
        channels=[Channel.SMS],
        now=local(2026, 4, 23, 9),
    )


async def test_an_sms_carries_the_same_idempotency_key_on_every_attempt() -> None:
    """A crash between "sent" and "recorded" re-sends; the gateway drops the copy by its key."""
    receiver, server = serve_receiver("sms")
    try:
        sender = SmsSender(HttpSmsProvider(receiver.url, None, "领办"))
        recipient = village_secretary(phone="13800000000", channels=["inbox", "sms"])
        first, other = _notice("p1"), _notice("p2")
        for items in ([first], [first], [other], [first, other]):
            await sender.send(recipient, compose(items, Channel.SMS))
    finally:
        server.shutdown()
        server.server_close()
    keys = [
        {k.lower(): v for k, v in r["headers"].items()}["idempotency-key"]
        for r in receiver.requests
    ]
    assert keys[0] == keys[1]  # the same delivery, attempted twice
    assert len({keys[0], keys[2], keys[3]}) == 3  # another notice, a digest: other deliveries


async def test_a_digest_resent_after_a_crash_keeps_its_key_whatever_is_due_then() -> None:
    """Killed after a digest went out and before it was recorded; by the next pass a
    third notice is due for the same secretary. The two are sent again under the
    digest's key (the gateway drops that copy), the new one under its own."""
    recipient = village_secretary(phone="13800000001")
    repo, dispatcher, _, clock = await setup(recipient)  # two warnings due: one digest
    sent: list[Message] = []

    class DiesAfterTheSend(ChannelSender):
        channel = Channel.SMS

        async def send(self, recipient: Recipient, message: Message) -> None:
            sent.append(message)
            if len(sent) == 1:  # the gateway has it; the process dies before recording
                raise asyncio.CancelledError

    dispatcher.senders[Channel.SMS] = DiesAfterTheSend()
    with pytest.raises(asyncio.CancelledError):
        await dispatcher.run_once()
    [digest] = sent
    assert digest.count == 2
    assert digest.key is not None
    # The key was stored before the send, with the inbox outcome.
    assert {n.deliveries[Channel.SMS].key for n in notifications(repo)} == {digest.key}

    await repo.add(sms_notice(recipient, "p3"))
    clock.set(clock.now() + timedelta(minutes=3))  # the dead pass's claims have lapsed
    assert await dispatcher.run_once() == 3
    again = {m.key: m.count for m in sent[1:]}
    assert again.pop(digest.key) == 2  # the same message again: the gateway drops it
    assert list(again.values()) == [1]  # the new notice: a message of its own
    assert all(n.deliveries[Channel.SMS].status == "sent" for n in notifications(repo))
