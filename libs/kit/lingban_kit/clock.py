"""Time as a dependency, so rules about dates can be tested on any day."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

# Deadlines and months are local dates in China, whatever the server's zone.
LOCAL_ZONE = ZoneInfo("Asia/Shanghai")


class Clock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def today(self) -> date:
        return self.now().astimezone(LOCAL_ZONE).date()


class FixedClock(Clock):
    """A clock that stays where it is put (tests, simulations)."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at

    def set(self, at: datetime) -> None:
        self.at = at
