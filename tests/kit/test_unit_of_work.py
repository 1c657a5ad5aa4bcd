"""The kit's unit of work: the write ritual every command goes through (no servers)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from lingban_kit.errors import Conflict
from lingban_kit.logging import correlation_id
from lingban_kit.unit_of_work import UnitOfWork


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

    async def add(self, aggregate: Counter) -> None:
        self.added.append(aggregate.id)

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
