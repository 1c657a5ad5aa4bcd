"""The kit's unit of work: the write ritual every command goes through (no servers)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from lingban_kit.errors import Conflict, NotFound
from lingban_kit.idempotency import (
    Attempt,
    IdempotencyKeyReused,
    Replayed,
    RequestMark,
    already_applied,
    attempting,
    fingerprint,
    new_id,
)
from lingban_kit.logging import correlation_id
from lingban_kit.unit_of_work import RetryingUnitOfWork, UnitOfWork


@dataclass
class Counter:
    id: str
    version: int = 0
    correlation_id: str | None = None
    events: list[str] = field(default_factory=list)

    def bump(self) -> None:
        self.version += 1
        self.events.append(f"bumped to {self.version} ({self.correlation_id})")


class FakeWriter:
    collection_name = "counters"

    def __init__(self) -> None:
        self.added: list[str] = []
        self.saved: list[tuple[str, int, int]] = []  # (id, expected, new version)
        self.stored: dict[str, Counter] = {}

    async def add(self, aggregate: Counter) -> None:
        if aggregate.id in self.stored:  # as `insert_new` for an id derived from a key
            raise Replayed(message="已创建", message_en="created already")
        self.added.append(aggregate.id)
        self.stored[aggregate.id] = aggregate

    async def get(self, aggregate_id: str) -> Counter | None:
        return self.stored.get(aggregate_id)

    async def save(self, aggregate: Counter, expected_version: int) -> None:
        self.saved.append((aggregate.id, expected_version, aggregate.version))


def unit_of_work() -> tuple[UnitOfWork[Counter], FakeWriter, list[tuple[str, Any]]]:
    writer = FakeWriter()
    woken: list[tuple[str, Any]] = []
    uow = UnitOfWork(writer, lambda c, i: woken.append((c, i)), noun="计数", noun_en="counter")
    return uow, writer, woken


async def test_a_change_is_saved_against_the_loaded_version_and_wakes_the_relay() -> None:
    uow, writer, woken = unit_of_work()
    token = correlation_id.set("req-1")
    try:
        counter = await uow.change(Counter("c1", version=3), 3, Counter.bump)
    finally:
        correlation_id.reset(token)
    assert writer.saved == [("c1", 3, 4)]
    assert woken == [("counters", "c1")]
    assert counter.events == ["bumped to 4 (req-1)"]  # stamped before the domain ran


async def test_an_edit_of_an_older_version_is_refused_with_the_current_one() -> None:
    uow, writer, woken = unit_of_work()
    with pytest.raises(Conflict, match="at version 5, not 4") as raised:
        await uow.change(Counter("c1", version=5), 4, Counter.bump)
    assert raised.value.message == "计数已更新到第 5 版，请刷新后重试"
    assert raised.value.extra == {"current_version": 5}
    assert writer.saved == []
    assert woken == []


async def test_no_version_given_means_last_writer_checks_only_at_save() -> None:
    uow, writer, _ = unit_of_work()
    await uow.change(Counter("c1", version=2), None, Counter.bump)
    assert writer.saved == [("c1", 2, 3)]


async def test_a_change_that_records_nothing_writes_nothing() -> None:
    uow, writer, woken = unit_of_work()
    await uow.change(Counter("c1", version=2), 2, lambda c: None)
    assert writer.saved == []
    assert woken == []


async def test_create_adds_and_wakes() -> None:
    uow, writer, woken = unit_of_work()
    await uow.create(Counter("c2", version=1))
    assert writer.added == ["c2"]
    assert woken == [("counters", "c2")]


async def test_a_retried_create_answers_the_stored_aggregate_and_says_so() -> None:
    uow, writer, woken = unit_of_work()
    replays: list[bool] = []
    with attempting(Attempt(scope="s", fingerprint="f", on_replay=lambda: replays.append(True))):
        first = await uow.create(Counter(new_id(), version=1, events=["first"]))
    with attempting(Attempt(scope="s", fingerprint="f", on_replay=lambda: replays.append(True))):
        retried = await uow.create(Counter(new_id(), version=1, events=["second"]))
    assert retried is first  # the stored one, not the second attempt's
    assert writer.added == [first.id]
    assert replays == [True]
    # Its events may still wait in the outbox: the relay is woken again.
    assert woken == [("counters", first.id), ("counters", first.id)]


def test_ids_follow_the_key_and_are_random_without_one() -> None:
    with attempting(Attempt(scope="s", fingerprint="f")):
        first = [new_id(), new_id()]
    with attempting(Attempt(scope="s", fingerprint="f")):
        assert [new_id(), new_id()] == first  # the n-th id of a retry is the n-th id
    assert first[0] != first[1]
    with attempting(Attempt(scope="other", fingerprint="f")):
        assert new_id() not in first
    assert new_id() not in first  # no key: random again


def test_a_fingerprint_is_of_the_json_not_its_spelling() -> None:
    assert fingerprint(b'{"a": 1, "b": [1, 2]}') == fingerprint(b'{"b":[1,2],"a":1}')
    assert fingerprint(b'{"a": 1}') != fingerprint(b'{"a": 2}')


async def test_a_retried_append_is_answered_before_the_version_check() -> None:
    uow, writer, woken = unit_of_work()
    mark = RequestMark("r1", "f1")
    counter = Counter("c1", version=4)
    answered = await uow.change(counter, 3, Counter.bump, lambda c: already_applied([mark], mark))
    assert answered is counter
    assert counter.version == 4
    assert writer.saved == []
    assert woken == []
    with pytest.raises(IdempotencyKeyReused):
        already_applied([mark], RequestMark("r1", "another body"))
    assert not already_applied([mark, None], RequestMark("r2", "f1"))
    assert not already_applied([mark], None)


# ---- the retrying unit of work (changes that commute with concurrent writes) --------
class RevisionedFake:
    """A store whose revision moves under the caller `interfere` times (another writer)."""

    collection_name = "counters"

    def __init__(self, interfere: int = 0) -> None:
        self.state = Counter("c1")
        self.revision = 1
        self.interfere = interfere
        self.saves = 0

    async def get(self, aggregate_id: str) -> tuple[Counter, int] | None:
        if aggregate_id != self.state.id:
            return None
        copy = Counter(self.state.id, self.state.version, None, list(self.state.events))
        return copy, self.revision

    async def save(self, aggregate: Counter, revision: int) -> bool:
        self.saves += 1
        if self.interfere:
            self.interfere -= 1
            self.revision += 1  # someone else wrote meanwhile
            return False
        if revision != self.revision:
            return False
        self.state, self.revision = aggregate, self.revision + 1
        return True


def bumped(c: Counter) -> bool:
    c.bump()
    return True


async def test_a_change_lost_to_another_writer_is_redone_on_the_new_state() -> None:
    store, woken = RevisionedFake(interfere=2), []
    unit = RetryingUnitOfWork(store, lambda coll, doc: woken.append((coll, doc)))
    token = correlation_id.set("req-9")
    try:
        changed = await unit.change("c1", lambda c: True, bumped)
    finally:
        correlation_id.reset(token)
    assert store.saves == 3
    assert changed.version == 1  # applied once, on the state that won
    assert store.state.events == ["bumped to 1 (req-9)"]
    assert woken == [("counters", "c1")]


async def test_an_invisible_or_missing_aggregate_is_not_found_and_nothing_is_written() -> None:
    store = RevisionedFake()
    unit = RetryingUnitOfWork(store, noun="通知", noun_en="notification")
    with pytest.raises(NotFound, match="c1"):
        await unit.change("c1", lambda c: False, bumped)
    with pytest.raises(NotFound):
        await unit.change("nope", lambda c: True, bumped)
    assert store.saves == 0


async def test_no_change_means_no_write_and_a_busy_aggregate_is_a_conflict() -> None:
    store, woken = RevisionedFake(interfere=10), []
    unit = RetryingUnitOfWork(store, lambda coll, doc: woken.append((coll, doc)), attempts=3)
    await unit.change("c1", lambda c: True, lambda c: False)
    assert store.saves == 0
    with pytest.raises(Conflict):
        await unit.change("c1", lambda c: True, bumped)
    assert store.saves == 3
    assert woken == []
