"""Notices put off for later (quiet hours, a long retry backoff) are left out of the
dispatcher's every pass and found by its full pass, at most `full_pass_every` late.

Why: every pass read each open notice, due or not, and overnight or after a gateway
outage tens of thousands wait (bench/due_query.py). On fakes for the dispatcher's
rules, on the real database for the query, its index and the migration."""

from __future__ import annotations

from datetime import datetime, timedelta

from lingban_contracts.events.notifications import Channel
from lingban_kit.explain import assert_indexed
from lingban_kit.migrations import MIGRATIONS_COLLECTION
from lingban_kit.mongo import Database
from lingban_notifications.directory.domain import QuietHours
from lingban_notifications.notifications.domain import PUT_OFF, Notification, Retry
from lingban_notifications.notifications.repository import (
    DUE_SOON_MIGRATION,
    NOTIFICATIONS,
    MongoNotificationRepository,
    backfill_due_soon,
    due_soon_filter,
    new_document,
)
from tests.notifications.builders import local
from tests.notifications.test_dispatch_rules import notifications, setup, village_secretary
from tests.notifications.test_query_plans import SECRETARY, notice

QUIET_END = local(2026, 4, 23, 12, 30)  # the setup's clock starts at 09:00, inside them
QUIET = QuietHours.model_validate({"start": "08:00", "end": "12:30"})


def sms_notice(period: str, at: datetime) -> Notification:
    return notice(SECRETARY, period, at=at, channels=(Channel.SMS,))


# ---- the domain: what is put off -------------------------------------------------------
def test_a_delivery_is_put_off_when_its_next_attempt_is_far_from_the_decision() -> None:
    now = local(2026, 4, 23, 9)
    n = notice(SECRETARY, "p", at=now, channels=(Channel.INBOX, Channel.SMS))
    assert n.due_soon

    n.defer(Channel.SMS, now + PUT_OFF - timedelta(seconds=1), now)
    assert not n.deliveries[Channel.SMS].put_off  # soon enough for every pass
    n.defer(Channel.SMS, now + PUT_OFF, now)
    assert n.deliveries[Channel.SMS].put_off
    assert n.due_soon  # the inbox delivery is still open and not put off

    n.mark_sent(Channel.INBOX, now)
    assert n.open
    assert not n.due_soon

    retry = Retry(max_attempts=3, backoff=PUT_OFF)
    n.mark_failed(Channel.SMS, now, "down", Retry(max_attempts=3, backoff=timedelta(minutes=1)))
    assert n.due_soon  # a one-minute backoff goes on every pass
    n.mark_failed(Channel.SMS, now, "down", retry)  # second attempt: 2 × PUT_OFF off
    assert not n.due_soon
    n.mark_failed(Channel.SMS, now, "down", retry)  # the last: dead
    assert not n.open
    assert not n.due_soon
    n.replay(Channel.SMS, now)
    assert n.due_soon  # replayed now: due at once


# ---- the dispatcher, on fakes ----------------------------------------------------------
async def test_a_deferred_sms_waits_for_the_full_pass_and_is_at_most_its_interval_late() -> None:
    repo, dispatcher, sms, clock = await setup(village_secretary(quiet_hours=QUIET))
    await dispatcher.run_once()  # 09:00: inboxes delivered, both SMS put off to 12:30
    assert all(n.deliveries[Channel.SMS].put_off and not n.due_soon for n in notifications(repo))

    clock.set(QUIET_END - timedelta(seconds=20))
    assert await dispatcher.run_once() == 0  # a full pass (hours since the last): none due
    clock.set(QUIET_END)
    assert await dispatcher.run_once() == 0  # due, but a pass that reads only what is soon
    assert sms.sent == []
    clock.set(QUIET_END + dispatcher.full_pass_every - timedelta(seconds=20))
    assert await dispatcher.run_once() == 2  # the next full pass: both, as one digest
    assert len(sms.sent) == 1
    assert not any(n.open for n in notifications(repo))


async def test_a_full_pass_that_claimed_a_whole_batch_is_followed_by_another() -> None:
    _repo, dispatcher, sms, clock = await setup(village_secretary(quiet_hours=QUIET))
    dispatcher.batch_size = 1
    dispatcher.gather_limit = 0  # a digest takes no more than its batch: one notice a pass
    while await dispatcher.run_once():  # 09:00, one notice a pass
        pass
    clock.set(QUIET_END)
    assert await dispatcher.run_once() == 1  # full, and the batch is full: maybe more
    clock.set(QUIET_END + timedelta(seconds=1))
    assert await dispatcher.run_once() == 1  # so this pass is full too
    assert len(sms.sent) == 2
    assert await dispatcher.run_once() == 0


async def test_a_short_retry_goes_out_on_the_first_pass_after_its_backoff() -> None:
    repo, dispatcher, sms, clock = await setup(village_secretary(), sms_failures=1)
    dispatcher.full_pass_every = timedelta(minutes=5)  # so the pass below is not full
    start = clock.now()
    await dispatcher.run_once()  # the SMS digest fails: retry in 60 s, not put off
    assert all(n.due_soon for n in notifications(repo))
    clock.set(start + timedelta(seconds=60))
    assert await dispatcher.run_once() == 2
    assert len(sms.sent) == 1


# ---- the query, its index and the migration, on the real database ----------------------
async def test_every_pass_claims_only_what_is_due_soon_and_the_full_pass_the_rest(
    repo: MongoNotificationRepository,
) -> None:
    now = local(2026, 4, 23, 12, 30)
    soon = sms_notice("soon", now - timedelta(minutes=1))
    put_off = sms_notice("put-off", now - timedelta(hours=4))
    put_off.defer(Channel.SMS, now, now - timedelta(hours=4))  # quiet hours, ended now
    later = sms_notice("later", now - timedelta(hours=4))
    later.defer(Channel.SMS, now + timedelta(hours=1), now - timedelta(hours=4))
    for n in (soon, put_off, later):
        assert await repo.add(n)

    hold = timedelta(minutes=2)
    claimed = await repo.claim_due(now, "a", hold, 10, put_off=False)
    assert [n.id for n, _ in claimed] == [soon.id]
    claimed = await repo.claim_due(now, "b", hold, 10, put_off=True)
    assert [n.id for n, _ in claimed] == [put_off.id]  # `soon` is held by a; `later` waits
    await assert_indexed(repo.collection, due_soon_filter(now))

    # Each write keeps the flag: the put-off notice, once sent, is neither.
    [(stored, rev)] = claimed
    stored.mark_sent(Channel.SMS, now)
    assert await repo.save(stored, rev, claim="b")
    doc = await repo.collection.find_one({"_id": put_off.id})
    assert doc is not None
    assert (doc["open"], doc["due_soon"]) == (False, False)


async def test_open_notices_stored_before_the_flag_count_as_due_soon_once_migrated(
    database: Database, repo: MongoNotificationRepository
) -> None:
    now = local(2026, 4, 23, 12, 30)
    old_open, old_sent = sms_notice("open", now), sms_notice("sent", now)
    old_sent.mark_sent(Channel.SMS, now)
    docs = [new_document(n) for n in (old_open, old_sent)]
    for doc in docs:
        del doc["due_soon"]
    await database[NOTIFICATIONS].insert_many(docs)
    assert await repo.claim_due(now, "a", timedelta(minutes=2), 10, put_off=False) == []

    await backfill_due_soon(database)
    claimed = await repo.claim_due(now, "a", timedelta(minutes=2), 10, put_off=False)
    assert [n.id for n, _ in claimed] == [old_open.id]
    sent = await database[NOTIFICATIONS].find_one({"_id": old_sent.id})
    assert sent is not None
    assert "due_soon" not in sent
    assert await database[MIGRATIONS_COLLECTION].find_one({"_id": DUE_SOON_MIGRATION})
