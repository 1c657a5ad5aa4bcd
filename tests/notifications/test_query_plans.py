"""Every hot query of the notifications service still does its job, and the
database serves its filter with an index (asked with `explain` on the real
test database; its PostgreSQL runs with enable_seqscan=off, so a small
collection shows an index whenever one can serve the filter). Each test takes
the filter from the function the code itself runs."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from lingban_contracts import Actor
from lingban_contracts.events.notifications import Channel
from lingban_contracts.regions import in_subtree
from lingban_kit import mongo
from lingban_kit.auth import Principal, Role
from lingban_kit.clock import FixedClock
from lingban_kit.explain import assert_indexed
from lingban_kit.migrations import MIGRATIONS_COLLECTION
from lingban_kit.mongo import Database
from lingban_notifications.directory.domain import Recipient, RecipientKind
from lingban_notifications.directory.repository import (
    CONTACTS,
    DirectoryCache,
    MongoDirectory,
    backfill_ancestors,
    ensure_directory_indexes,
    reader_filters,
    subtree_filter,
    version_filter,
)
from lingban_notifications.meta import META
from lingban_notifications.notifications.domain import Notification, notification_id
from lingban_notifications.notifications.repository import (
    LOOKUP_CONCURRENCY,
    NOTIFICATIONS,
    MongoNotificationRepository,
    awaiting_ack_filter,
    backfill_due_soon,
    backfill_flags,
    backfill_inbox_months,
    dead_letter_filter,
    due_filter,
    id_filter,
    inbox_filter,
    inbox_month,
    to_document,
)
from lingban_notifications.scheduling.scheduler import (
    live_subject_filters,
    open_rectifications_filter,
)
from lingban_notifications.settings import NotificationsSettings
from lingban_notifications.subjects.rectifications import RECTIFICATIONS
from lingban_notifications.subjects.tracking import SUBJECTS
from tests.auth import auth
from tests.notifications.builders import CITY, TOWNSHIP, VILLAGE, local, subject_doc
from tests.notifications.conftest import NotificationsApi, running

pytestmark = pytest.mark.integration

NOW = local(2026, 4, 20, 9)
SECRETARY = f"secretary:{VILLAGE}"
TASK_FORCE = f"task-force:{VILLAGE}"
OTHER_TOWNSHIP = "340881002000"


def notice(
    recipient: str,
    period: str,
    *,
    at: Any = NOW,
    requires_ack: bool = False,
    channels: tuple[Channel, ...] = (Channel.INBOX,),
) -> Notification:
    return Notification.create(
        rule_id="r",
        kind="deadline_warning",
        recipient_id=recipient,
        recipient_kind="secretary",
        recipient_name="南铺社区书记",
        unit_code=VILLAGE,
        subject_type="stage",
        subject_id="p1/2026-04",
        subject_unit_code=VILLAGE,
        period=period,
        title={"zh": "标题", "en": "title"},
        body={"zh": "正文", "en": "body"},
        link="l",
        requires_ack=requires_ack,
        channels=list(channels),
        now=at,
    )


def delivered(n: Notification, at: Any) -> Notification:
    n.mark_sent(Channel.INBOX, at)
    return n


# ---- planner, dispatcher -------------------------------------------------------------
async def test_existing_keys_are_looked_up_one_id_at_a_time(
    repo: MongoNotificationRepository,
) -> None:
    stored = [notice(SECRETARY, f"2026-04/{i}") for i in range(LOOKUP_CONCURRENCY + 8)]
    for n in stored:
        assert await repo.add(n)
    missing = [notice(SECRETARY, f"2026-05/{i}").dedupe_key for i in range(5)]
    keys = [n.dedupe_key for n in stored] + missing

    assert await repo.existing_keys(keys) == {n.dedupe_key for n in stored}
    assert await repo.existing_keys(missing) == set()
    assert await repo.existing_keys([]) == set()
    await assert_indexed(repo.collection, id_filter(notification_id(keys[0])))


async def test_the_dispatcher_claims_due_notices_through_the_open_flag(
    repo: MongoNotificationRepository,
) -> None:
    due = notice(SECRETARY, "due", at=NOW - timedelta(minutes=1))
    later = notice(SECRETARY, "later", at=NOW + timedelta(hours=1))
    done = delivered(notice(SECRETARY, "done", at=NOW - timedelta(hours=1)), NOW)
    for n in (due, later, done):
        await repo.add(n)

    claimed = await repo.claim_due(NOW, "one", timedelta(minutes=2), 10)
    assert [n.id for n, _ in claimed] == [due.id]
    assert await repo.claim_due(NOW, "two", timedelta(minutes=2), 10) == []  # held by one
    await assert_indexed(repo.collection, due_filter(NOW))
    await assert_indexed(repo.collection, dead_letter_filter())


# ---- acknowledgement escalation (scheduler tick) -------------------------------------
async def test_awaiting_ack_reads_the_flagged_notices_and_the_flag_follows_each_write(
    repo: MongoNotificationRepository,
) -> None:
    early, cutoff = NOW - timedelta(hours=50), NOW - timedelta(hours=48)
    waiting = delivered(notice(SECRETARY, "a", requires_ack=True), early)
    recent = delivered(notice(SECRETARY, "b", requires_ack=True), NOW)
    unsent = notice(SECRETARY, "c", requires_ack=True)
    no_ack_needed = delivered(notice(SECRETARY, "d"), early)
    signed = delivered(notice(SECRETARY, "e", requires_ack=True), early)
    signed.acknowledge(Actor(id="u1"), early)
    escalated = delivered(notice(SECRETARY, "f", requires_ack=True), early)
    escalated.mark_ack_escalated()
    for n in (waiting, recent, unsent, no_ack_needed, signed, escalated):
        await repo.add(n)

    assert [n.id for n in await repo.awaiting_ack(cutoff)] == [waiting.id]
    assert {n.id for n in await repo.awaiting_ack(NOW)} == {waiting.id, recent.id}

    # Signing (a later save) takes it off the list.
    found = await repo.get(waiting.id)
    assert found is not None
    n, rev = found
    n.acknowledge(Actor(id="u1"), NOW)
    assert await repo.save(n, rev)
    assert await repo.awaiting_ack(cutoff) == []
    await assert_indexed(repo.collection, awaiting_ack_filter(cutoff))


# ---- inbox ---------------------------------------------------------------------------
async def test_inbox_pages_and_unread_count_merge_one_query_per_recipient(
    repo: MongoNotificationRepository,
) -> None:
    stored: list[Notification] = []
    for i in range(7):
        at = NOW + timedelta(minutes=i)
        for recipient in (SECRETARY, TASK_FORCE):  # the same created_at: ordered by id
            stored.append(delivered(notice(recipient, f"p{i}", at=at), at))
    for n in stored[::3]:
        n.mark_read(NOW)
    undelivered = notice(SECRETARY, "not-yet")  # not in the inbox before dispatch
    someone_else = delivered(notice(f"secretary:{OTHER_TOWNSHIP}", "x"), NOW)
    for n in [*stored, undelivered, someone_else]:
        await repo.add(n)

    def expected(unread_only: bool) -> list[str]:
        mine = [n for n in stored if not (unread_only and n.read_at)]
        return [n.id for n in sorted(mine, key=lambda n: (-n.created_at.timestamp(), n.id))]

    readers = [SECRETARY, TASK_FORCE, SECRETARY]  # a repeated id changes nothing
    for unread_only in (False, True):
        want = expected(unread_only)
        for offset in range(0, len(want) + 5, 5):
            page = await repo.inbox(readers, unread_only=unread_only, limit=5, offset=offset)
            assert [n.id for n in page] == want[offset : offset + 5]
    assert await repo.unread_count(readers) == len(expected(True)) == 9
    assert await repo.unread_count([SECRETARY]) == 4

    # Reading one (a later save) takes it out of the unread count and list.
    first_unread = expected(True)[0]
    found = await repo.get(first_unread)
    assert found is not None
    n, rev = found
    n.mark_read(NOW)
    assert await repo.save(n, rev)
    assert await repo.unread_count(readers) == 8
    assert first_unread not in {
        n.id for n in await repo.inbox(readers, unread_only=True, limit=50, offset=0)
    }
    for unread_only in (False, True):
        await assert_indexed(repo.collection, inbox_filter(SECRETARY, unread_only=unread_only))
        monthly = inbox_filter(SECRETARY, unread_only=unread_only, month=inbox_month(NOW))
        await assert_indexed(repo.collection, monthly)


async def test_inbox_pages_run_across_months_and_reach_notices_written_before_months(
    repo: MongoNotificationRepository, database: Database
) -> None:
    """A page reads the newest months first and stops when it is full; notices from
    before inbox months existed are reached once the migration has listed them."""
    stored = [
        delivered(notice(SECRETARY, f"m{i}", at=NOW - timedelta(days=9 * i)), NOW)
        for i in range(12)
    ]
    for n in stored:
        assert await repo.add(n)
    # One written by the previous version: no month of its own, not listed.
    old = delivered(notice(SECRETARY, "old", at=NOW - timedelta(days=400)), NOW)
    doc = to_document(old, rev=1)
    del doc["inbox_month"]
    await repo.collection.insert_one(doc)

    newest_first = [n.id for n in stored]  # already newest first: 9 days apart
    pages = [
        [n.id for n in await repo.inbox([SECRETARY], unread_only=False, limit=5, offset=o)]
        for o in (0, 5, 10)
    ]
    assert pages == [newest_first[0:5], newest_first[5:10], newest_first[10:12]]

    await backfill_inbox_months(database)
    everything = await repo.inbox([SECRETARY], unread_only=False, limit=50, offset=0)
    assert [n.id for n in everything] == [*newest_first, old.id]
    unread = await repo.inbox([SECRETARY], unread_only=True, limit=3, offset=11)
    assert [n.id for n in unread] == [newest_first[11], old.id]


# ---- the contact directory -----------------------------------------------------------
def contacts() -> list[Recipient]:
    def entry(rid: str, kind: RecipientKind, unit: str, **kw: Any) -> Recipient:
        return Recipient(id=rid, name=rid, kind=kind, unit_code=unit, **kw)

    s, staff, tf = RecipientKind.SECRETARY, RecipientKind.TOWNSHIP_STAFF, RecipientKind.TASK_FORCE
    return [
        entry(SECRETARY, s, VILLAGE, roles=[Role.VILLAGE_SECRETARY]),
        entry(TASK_FORCE, tf, VILLAGE, user_ids=["wang"]),
        entry(f"secretary:{TOWNSHIP}", s, TOWNSHIP, roles=[Role.TOWNSHIP_SECRETARY]),
        entry(f"township-staff:{TOWNSHIP}", staff, TOWNSHIP, roles=[Role.TOWNSHIP_STAFF]),
        entry(f"secretary:{OTHER_TOWNSHIP}", s, OTHER_TOWNSHIP, roles=[Role.TOWNSHIP_SECRETARY]),
        entry("secretary:340881002001", s, "340881002001", roles=[Role.VILLAGE_SECRETARY]),
        entry(f"secretary:{CITY}", s, CITY, roles=[Role.CITY_ORG]),
        entry(
            "member-department:housing",
            RecipientKind.MEMBER_DEPARTMENT,
            CITY,
            user_ids=["member-department@housing", "wang"],
        ),
    ]


async def test_inbox_readers_and_the_subtree_list_are_indexed_equalities(
    database: Database,
) -> None:
    await ensure_directory_indexes(database)
    directory = MongoDirectory(database)
    entries = contacts()
    await directory.put(entries)
    collection = database[CONTACTS]

    principals = [
        Principal("wang", "王", frozenset({Role.VILLAGE_SECRETARY}), VILLAGE),
        Principal("li", "李", frozenset({Role.TOWNSHIP_STAFF}), TOWNSHIP),
        Principal("zhao", "赵", frozenset({Role.VILLAGE_SECRETARY}), TOWNSHIP),
        Principal("org", "组织部", frozenset({Role.CITY_ORG, Role.LEADER}), CITY),
        Principal("member-department@housing", "住建", frozenset({Role.LEADER}), CITY),
    ]
    readable = [sorted(await directory.readable_ids(p)) for p in principals]
    assert readable == [
        sorted(["member-department:housing", TASK_FORCE, SECRETARY]),
        [f"township-staff:{TOWNSHIP}"],
        [],
        [f"secretary:{CITY}"],
        ["member-department:housing"],
    ]
    for p, ids in zip(principals, readable, strict=True):
        assert ids == sorted(r.id for r in entries if r.readable_by(p))  # the model's own rule
        for query in reader_filters(p):
            await assert_indexed(collection, query)

    for region in (VILLAGE, TOWNSHIP, OTHER_TOWNSHIP, CITY):
        for kind in (None, "secretary"):
            listed = await directory.search(region_code=region, kind=kind, limit=100, offset=0)
            assert [r.id for r in listed] == sorted(
                r.id
                for r in entries
                if in_subtree(r.unit_code, region) and kind in (None, r.kind.value)
            )
            await assert_indexed(collection, subtree_filter(region, kind))
    page = await directory.search(region_code=CITY, kind=None, limit=3, offset=2)
    assert [r.id for r in page] == sorted(r.id for r in entries)[2:5]


async def test_each_replica_reads_the_directory_again_only_after_it_changed(
    database: Database,
) -> None:
    first, *more = contacts()
    one_cache, two_cache = DirectoryCache(), DirectoryCache()
    one, two = MongoDirectory(database, one_cache), MongoDirectory(database, two_cache)
    await one.put([first])

    assert await one.all() == {first.id: first}
    assert await one.all() == {first.id: first}
    assert one_cache.loads == 1  # the second use read only the version token

    # Another replica writes: this one keeps its copy until the token's next check
    # (`recheck_seconds` after the last one), then reads the directory again.
    changed = first.model_copy(update={"name": "南铺社区书记（新）"})
    await two.put([changed, *more])
    assert await one.all() == {first.id: first}
    assert one_cache.checked_at is not None
    one_cache.checked_at -= one_cache.recheck_seconds
    assert await one.all() == {r.id: r for r in [changed, *more]}
    assert one_cache.loads == 2
    # The replica that writes drops its own copy at once.
    again = changed.model_copy(update={"name": "南铺社区书记"})
    await two.all()
    await two.put([again])
    assert (await two.all())[first.id].name == "南铺社区书记"

    # A copy older than its maximum age is read again even without a new token
    # (contacts written by something other than `put`).
    one_cache.max_age_seconds = 0
    one_cache.checked_at = None
    await one.all()
    assert one_cache.loads == 3
    await assert_indexed(database[META], version_filter())


async def test_a_contact_edited_through_the_api_reaches_the_scheduler_s_copy(
    notif: NotificationsApi,
) -> None:
    directory = notif.wiring.directory
    before = (await directory.all())[SECRETARY]
    loads = notif.wiring.contacts.loads
    await directory.all()
    assert notif.wiring.contacts.loads == loads

    body = before.model_dump(mode="json") | {"channels": ["inbox"], "muted_rules": ["r1"]}
    headers = auth(Role.TOWNSHIP_SECRETARY, TOWNSHIP)
    r = await notif.http.put(f"/v1/contacts/{SECRETARY}", json=body, headers=headers)
    assert r.status_code == 200, r.text
    assert (await directory.all())[SECRETARY].muted_rules == ["r1"]


# ---- the scheduler's subjects ----------------------------------------------------------
async def test_the_scheduler_reads_live_subjects_by_status_equality(
    notif: NotificationsApi,
) -> None:
    db = notif.app.state.runtime.db
    statuses = [
        "draft",
        "submitted",
        "returned",
        "approved",
        "in_execution",
        "completion_requested",
        "completed",
        "evaluated",
    ]
    await db[SUBJECTS].insert_many([subject_doc(f"p-{s}", status=s) for s in statuses])
    await db[RECTIFICATIONS].insert_many(
        [
            {"_id": f"r-{s}", "unit_code": VILLAGE, "deadline": "2026-04-30", "status": s}
            for s in ("open", "submitted", "closed")
        ]
    )

    subjects, rectifications = await notif.wiring.scheduler().live_subjects()
    assert sorted(s.id for s in subjects) == ["p-approved", "p-in_execution", "p-submitted"]
    assert [r.id for r in rectifications] == ["r-open"]
    # The indexes are the ones the service's start created.
    for query in live_subject_filters():
        await assert_indexed(db[SUBJECTS], query)
    await assert_indexed(db[RECTIFICATIONS], open_rectifications_filter())


# ---- documents written before the flags existed ----------------------------------------
async def test_notices_and_contacts_stored_before_the_flags_are_found_after_a_start(
    notif_settings: NotificationsSettings,
) -> None:
    early = NOW - timedelta(hours=50)
    unread = delivered(notice(SECRETARY, "unread"), early)
    read = delivered(notice(SECRETARY, "read"), early)
    read.mark_read(early)
    waiting = delivered(notice(SECRETARY, "sign", requires_ack=True), early)

    def old(n: Notification) -> dict[str, Any]:
        doc = to_document(n, rev=1)
        del doc["unread"], doc["awaiting_ack"], doc["inbox_month"]
        return doc

    secretary = contacts()[0]
    old_contact = secretary.model_dump(mode="json") | {"_id": secretary.id}
    del old_contact["id"]

    client = mongo.connect(notif_settings.mongodb_uri)
    db = client[notif_settings.mongodb_database]
    try:
        await db[NOTIFICATIONS].insert_many([old(n) for n in (unread, read, waiting)])
        await db[CONTACTS].insert_one(old_contact)

        async with running(notif_settings, FixedClock(NOW)) as api:
            village = auth(Role.VILLAGE_SECRETARY, VILLAGE)
            r = await api.http.get("/v1/inbox/unread-count", headers=village)
            assert r.json() == {"unread": 2}  # `unread` and the unsigned one
            r = await api.http.get("/v1/inbox?unread=true", headers=village)
            assert {n["id"] for n in r.json()} == {unread.id, waiting.id}
            cutoff = NOW - timedelta(hours=48)
            assert [n.id for n in await api.wiring.repo.awaiting_ack(cutoff)] == [waiting.id]
            township = auth(Role.TOWNSHIP_SECRETARY, TOWNSHIP)
            r = await api.http.get("/v1/contacts", headers=township)
            assert [c["id"] for c in r.json()] == [SECRETARY]

        # Once per database: the markers are there, and a second run changes nothing.
        markers = await db[MIGRATIONS_COLLECTION].find({}).to_list(None)
        assert len(markers) == 4
        before = await db[NOTIFICATIONS].find({}, {"outbox": 0}).to_list(None)
        await db[MIGRATIONS_COLLECTION].delete_many({})  # even forced to run again
        await backfill_flags(db)
        await backfill_due_soon(db)
        await backfill_inbox_months(db)
        await backfill_ancestors(db)
        assert await db[NOTIFICATIONS].find({}, {"outbox": 0}).to_list(None) == before
        assert (await db[CONTACTS].find_one({"_id": SECRETARY}) or {})["ancestors"] == [
            "340000000000",
            "340800000000",
            CITY,
            TOWNSHIP,
            VILLAGE,
        ]
    finally:
        await client.close()
