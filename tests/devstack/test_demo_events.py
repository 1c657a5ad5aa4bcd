"""Waiting for the services to apply the load's events: a fixed goal, a time limit."""

from __future__ import annotations

import io
from collections.abc import Callable

from devstack.demo_events import Key, Offsets, backlog, wait_applied
from devstack.progress import Progress

P = ("lingban-reporting", "lingban.projects.project.v1", 0)
N = ("lingban-notifications", "lingban.projects.project.v1", 0)


class Broker:
    """Consumers that apply `rate` events a poll while producers keep writing more."""

    def __init__(self, committed: dict[Key, int], ends: dict[Key, int], rate: int) -> None:
        self.committed, self.ends, self.rate = dict(committed), dict(ends), rate
        self.polls = 0

    def __call__(self, servers: str) -> Offsets:
        snapshot = dict(self.committed), dict(self.ends)
        self.polls += 1
        for key in self.committed:
            self.ends[key] += 7  # other writers: not part of the goal
            self.committed[key] = min(self.ends[key], self.committed[key] + self.rate)
        return snapshot


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def shown(stream: io.StringIO, clock: Clock) -> Callable[[int], Progress]:
    def make(total: int) -> Progress:
        return Progress(
            "demo events", total, stream=stream, tty=False, clock=clock, background=False
        )

    return make


def test_backlog_is_counted_per_group_against_the_goal() -> None:
    goal = {P: 100, N: 300}
    assert backlog(goal, {P: 90, N: 350}) == {"reporting": 10, "notifications": 0}
    assert backlog(goal, {}) == {"reporting": 100, "notifications": 300}


def test_the_wait_ends_when_the_events_of_the_load_are_applied() -> None:
    broker, clock, stream = Broker({P: 0, N: 0}, {P: 40, N: 100}, rate=25), Clock(), io.StringIO()

    result = wait_applied(
        "kafka",
        wait=True,
        limit=90,
        offsets=broker,
        sleep=clock.sleep,
        clock=clock,
        progress=shown(stream, clock),
    )

    assert result.found == 40
    assert result.summary == "all 40 applied"
    assert clock.now == 2.0  # later writes (7 a poll) did not move the goal
    lines = stream.getvalue().splitlines()
    assert lines[0] == (
        "devstack: demo events: waiting for the dashboard's 40 events (reporting 40); "
        "notifications 100 events to apply meanwhile"
    )
    assert lines[-1] == "devstack: demo events: all 40 applied (2.0 s)"


def test_the_wait_gives_up_after_its_limit_and_says_what_is_left() -> None:
    broker, clock, stream = Broker({P: 0}, {P: 1000}, rate=10), Clock(), io.StringIO()

    result = wait_applied(
        "kafka",
        wait=True,
        limit=30,
        offsets=broker,
        sleep=clock.sleep,
        clock=clock,
        progress=shown(stream, clock),
    )

    assert result.found == 300
    assert result.summary.startswith("300 applied, 700 still to apply after 30 s")


def test_a_run_that_added_nothing_does_not_wait() -> None:
    broker, clock, stream = Broker({P: 0}, {P: 1000}, rate=10), Clock(), io.StringIO()

    result = wait_applied(
        "kafka",
        wait=False,
        offsets=broker,
        sleep=clock.sleep,
        clock=clock,
        progress=shown(stream, clock),
    )

    assert (broker.polls, clock.now) == (1, 0.0)
    assert result.summary == "1000 to apply"
    assert "1000 events still to apply (reporting 1000); not waiting" in stream.getvalue()


def test_the_reminders_backlog_is_reported_not_waited_for() -> None:
    broker, clock, stream = Broker({N: 0}, {N: 2000}, rate=30), Clock(), io.StringIO()

    result = wait_applied(
        "kafka",
        wait=True,
        offsets=broker,
        sleep=clock.sleep,
        clock=clock,
        progress=shown(stream, clock),
    )

    assert (broker.polls, clock.now, result.summary) == (1, 0.0, "nothing to wait for")
    assert stream.getvalue().splitlines()[0] == (
        "devstack: demo events: the dashboard has every event of the load; "
        "notifications 2000 events to apply meanwhile"
    )
