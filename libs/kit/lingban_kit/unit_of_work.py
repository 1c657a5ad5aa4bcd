"""The write ritual of every command, once: version check, ids, one write, relay.

A command loads an aggregate, lets the pure domain change it (which records
the events the change causes), and then must:
1. refuse if the caller edited an older version than the stored one (409 with
   the current version, so a form can say what happened);
2. stamp the request's correlation id on the events (causation ids are set by
   the domain from the event that caused the change, where there is one);
3. write state and events in ONE version-checked single-document write (the
   repository's `add` / `save`: the outbox lives in the same document);
4. wake the outbox relay for that document, so its events leave at once
   instead of at the next poll.

`UnitOfWork` does exactly that, for any aggregate with an `id`, a `version`
and a `correlation_id`, over any repository with `add` and `save`. Route
handlers never touch the relay; use cases call `create` or `change`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from lingban_kit.errors import Conflict, NotFound
from lingban_kit.idempotency import Replayed, replayed
from lingban_kit.logging import correlation_id


class VersionedAggregate(Protocol):
    id: str
    version: int
    correlation_id: str | None


A = TypeVar("A", bound=VersionedAggregate)


class AggregateWriter(Protocol[A]):
    """The two writes a unit of work needs (each one single-document write), and the
    read that answers a retried create.

    `add` raises `lingban_kit.idempotency.Replayed` when the id was derived from
    the request's key and is stored already (`insert_new` does that).
    """

    collection_name: str

    async def add(self, aggregate: A) -> Any: ...

    async def save(self, aggregate: A, expected_version: int) -> None: ...

    async def get(self, aggregate_id: str) -> A | None: ...


RelayWaker = Callable[[str, Any], None]


def no_relay(collection: str, doc_id: Any) -> None:
    """For unit tests and jobs without a relay: the relay's poll finds the events."""


@dataclass
class UnitOfWork(Generic[A]):
    repo: AggregateWriter[A]
    wake_relay: RelayWaker = no_relay
    # What the aggregate is called in a conflict message, e.g. "项目" / "project".
    noun: str = "记录"
    noun_en: str = "record"

    def check_version(self, aggregate: A, expected_version: int | None) -> None:
        if expected_version is not None and expected_version != aggregate.version:
            raise Conflict(
                message=f"{self.noun}已更新到第 {aggregate.version} 版，请刷新后重试",
                message_en=(
                    f"The {self.noun_en} is at version {aggregate.version}, "
                    f"not {expected_version}; reload and retry"
                ),
                extra={"current_version": aggregate.version},
            )

    async def create(self, aggregate: A) -> A:
        """Insert a new aggregate with the events its creation recorded.

        A retry of a create that landed answers the stored aggregate (no second
        record, no second event).
        """
        try:
            await self.repo.add(aggregate)
        except Replayed:
            stored = await self.repo.get(aggregate.id)
            if stored is None:  # removed since: nothing to answer with
                raise
            replayed()
            # Its events may still wait in the outbox (the first answer was lost).
            self.wake_relay(self.repo.collection_name, aggregate.id)
            return stored
        self.wake_relay(self.repo.collection_name, aggregate.id)
        return aggregate

    async def change(
        self,
        aggregate: A,
        expected_version: int | None,
        change: Callable[[A], object],  # what it returns is ignored
        applied: Callable[[A], bool] | None = None,
    ) -> A:
        """Apply a domain change and write it, if the caller saw the current version.

        A change that records no event leaves the document as it is (no write).
        An aggregate at version 0 was never stored (creating one records an event):
        its first change inserts it, e.g. the one assessment of a city and year,
        whose id is known before it exists; a request that inserted it meanwhile
        makes this one a 409.
        `applied`: whether the aggregate holds this request's entry already (a
        retried append, `lingban_kit.idempotency.already_applied`); then it is
        answered as it is, whatever version the retry names.
        """
        if applied is not None and applied(aggregate):
            replayed()
            return aggregate
        self.check_version(aggregate, expected_version)
        loaded = aggregate.version
        aggregate.correlation_id = correlation_id.get()
        change(aggregate)
        if aggregate.version == loaded:
            return aggregate
        if loaded == 0:
            if await self.repo.add(aggregate) is False:
                raise Conflict(
                    message=f"{self.noun}刚由另一次提交创建，请刷新后重试",
                    message_en=f"The {self.noun_en} was just created by another request; "
                    "reload and retry",
                    extra={"current_version": None},
                )
        else:
            await self.repo.save(aggregate, loaded)
        self.wake_relay(self.repo.collection_name, aggregate.id)
        return aggregate


class Correlated(Protocol):
    correlation_id: str | None


R = TypeVar("R", bound=Correlated)


class RevisionedStore(Protocol[R]):
    """A store whose documents carry a revision bumped by every write, so a change can
    be written only over the state it was made from (`save` answers False otherwise).

    For aggregates whose documents other writers also touch without a new event —
    notification claims by the dispatcher, for instance — the event version alone
    cannot tell "changed meanwhile" apart.
    """

    collection_name: str

    async def get(self, aggregate_id: str) -> tuple[R, int] | None: ...

    async def save(self, aggregate: R, revision: int) -> bool: ...


@dataclass
class RetryingUnitOfWork(Generic[R]):
    """The write ritual for changes that commute with whatever happened meanwhile
    (mark read, sign for, replay a delivery): load, change, write over the revision
    that was read; if someone wrote in between, load again and redo the change, a few
    times. Wakes the relay after the write, like `UnitOfWork`.
    """

    store: RevisionedStore[R]
    wake_relay: RelayWaker = no_relay
    attempts: int = 5
    noun: str = "记录"
    noun_en: str = "record"

    async def change(
        self,
        aggregate_id: str,
        visible: Callable[[R], bool],
        change: Callable[[R], bool],
    ) -> R:
        """Apply `change` (True when it changed anything) to the current state.

        An aggregate the caller may not see (`visible` False) looks missing: 404.
        """
        for _ in range(self.attempts):
            found = await self.store.get(aggregate_id)
            if found is None or not visible(found[0]):
                raise NotFound(
                    message=f"未找到{self.noun} {aggregate_id}",
                    message_en=f"{self.noun_en.capitalize()} {aggregate_id} not found",
                )
            aggregate, revision = found
            aggregate.correlation_id = correlation_id.get()
            if not change(aggregate):
                return aggregate
            if await self.store.save(aggregate, revision):
                self.wake_relay(self.store.collection_name, aggregate_id)
                return aggregate
        raise Conflict(
            message=f"{self.noun}正在更新，请重试",
            message_en=f"The {self.noun_en} is being updated; retry",
        )
