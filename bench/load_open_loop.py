"""An open-loop request generator: request i is due at start + i / rate, whatever happened before.

A closed loop (send, wait, send the next) slows down with the system it
measures and so hides its worst moments ("coordinated omission"). Here every
request is started on schedule as its own task, and its latency is counted
from the time it was *due*, so a stall shows up in every request it delayed.
If the generator itself cannot start requests on time (a busy machine), that
is reported as lateness and the run is flagged as behind.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

# Starting a request this much after its due time counts as "late".
LATE_SECONDS = 0.010
# More late starts than this share (or any start later than BEHIND_SECONDS)
# means the generator could not hold the rate: the machine running it is part
# of what was measured (the delay is in the latencies, as it should be, but the
# offered load was bunched up).
BEHIND_SHARE = 0.05
BEHIND_SECONDS = 0.250


@dataclass(frozen=True)
class Outcome:
    kind: str
    ok: bool
    status: int | None = None  # HTTP status; None when no response came
    error: str | None = None


@dataclass(frozen=True)
class Sample:
    index: int
    due: float
    started: float
    finished: float
    outcome: Outcome

    @property
    def latency(self) -> float:
        """From the due time: includes any wait before the request could start."""
        return self.finished - self.due

    @property
    def lateness(self) -> float:
        return self.started - self.due


@dataclass
class RunResult:
    rate: float
    duration: float
    planned: int
    samples: list[Sample] = field(default_factory=list)
    # How late each request started (also those never answered).
    lateness: list[float] = field(default_factory=list)
    # Still unanswered when the drain timeout ran out (then cancelled): how long
    # each had waited by then, a lower bound of its latency.
    unanswered: list[float] = field(default_factory=list)
    wall_seconds: float = 0.0

    @property
    def unfinished(self) -> int:
        return len(self.unanswered)

    @property
    def late(self) -> int:
        return sum(1 for v in self.lateness if v > LATE_SECONDS)

    @property
    def p99_lateness(self) -> float:
        ordered = sorted(self.lateness)
        return ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))] if ordered else 0.0

    @property
    def max_lateness(self) -> float:
        return max(self.lateness, default=0.0)

    @property
    def behind(self) -> bool:
        """The generator could not start requests on time (not: the server was slow)."""
        return bool(self.lateness) and (
            self.late > BEHIND_SHARE * len(self.lateness) or self.max_lateness > BEHIND_SECONDS
        )


Send = Callable[[int], Awaitable[Outcome]]


async def run_open_loop(
    rate: float,
    duration: float,
    send: Send,
    *,
    drain_timeout: float = 60.0,
    kind_on_error: str = "unknown",
) -> RunResult:
    """Start `rate * duration` requests on schedule; wait for stragglers at most `drain_timeout`."""
    if rate <= 0 or duration <= 0:
        raise ValueError("rate and duration must be positive")
    loop = asyncio.get_running_loop()
    result = RunResult(rate=rate, duration=duration, planned=max(1, round(rate * duration)))
    inflight: dict[asyncio.Task[None], float] = {}  # task -> due time

    async def one(index: int, due: float) -> None:
        started = loop.time()
        result.lateness.append(started - due)
        try:
            outcome = await send(index)
        except Exception as exc:  # a failed request is a result, not a crash
            outcome = Outcome(kind_on_error, ok=False, error=f"{type(exc).__name__}: {exc}")
        result.samples.append(Sample(index, due, started, loop.time(), outcome))

    begin = loop.time() + 0.05
    for index in range(result.planned):
        due = begin + index / rate
        delay = due - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        task = asyncio.create_task(one(index, due))
        inflight[task] = due
        task.add_done_callback(inflight.pop)
    if inflight:
        _, pending = await asyncio.wait(set(inflight), timeout=drain_timeout)
        now = loop.time()
        for task in pending:
            result.unanswered.append(now - inflight[task])
            task.cancel()
    result.wall_seconds = loop.time() - begin
    return result
