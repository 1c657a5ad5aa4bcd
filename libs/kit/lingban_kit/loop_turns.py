"""A long CPU-bound loop on the event loop hands it back every few milliseconds.

A service runs its Kafka consumer, its HTTP requests and its background loops on
one asyncio loop. A loop over tens of thousands of items that hands the loop back
every N items holds it for N times what one item costs, and that grows with the
data: the reminder scheduler's sweep of a province held it for seconds at a time,
and the consumer, which awaits the database a dozen times per event, fell minutes
behind. Counted in time rather than items, each hold stays short whatever an item
costs.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from time import monotonic

# Each hold of the loop: long enough that handing it back costs nothing measurable,
# short against a request's or an event's budget.
TURN_SECONDS = 0.01


class LoopTurns:
    """Call `take()` after each item: it yields once the loop has been held long enough."""

    def __init__(
        self, seconds: float = TURN_SECONDS, clock: Callable[[], float] = monotonic
    ) -> None:
        self.seconds = seconds
        self.clock = clock
        self.since = clock()
        self.taken = 0

    async def take(self) -> None:
        if self.clock() - self.since < self.seconds:
            return
        await asyncio.sleep(0)  # every callback that became ready meanwhile runs now
        self.taken += 1
        self.since = self.clock()
