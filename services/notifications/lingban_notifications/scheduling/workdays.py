"""Working days in mainland China, for deciding when scheduled reminders go out.

The official schedule — public holidays and the make-up working days (调休) that
pay for long breaks, often a Saturday or Sunday — comes from the maintained
`chinese_calendar` package (PyPI `chinesecalendar`). The State Council publishes
each year's schedule in the late autumn before and the package follows with a
release, so a dependency upgrade brings the next year in; a hand-typed list
missed most of it and reminders went out on holidays.

The rule set overrides the package, date by date, in both directions:
`non_working_days` are days off and `extra_working_days` are days worked,
whatever the package says. That adds a holiday or a make-up working day the
package lacks (a local arrangement, or a year it does not know yet) and removes
one of its own (a holiday worked anyway is an extra working day; a make-up
Saturday not worked is a non-working day).

A year the package does not know (it raises NotImplementedError) falls back to
Monday–Friday with a warning, logged once per year and calendar: the scheduler
keeps going, perhaps on an unlisted holiday, until the package is upgraded or the
rules file lists that year's days.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable
from datetime import date, timedelta

from lingban_kit.workdays import monday_to_friday, official_working_day
from lingban_notifications.rules.model import RuleSet

log = logging.getLogger(__name__)

# The longest official break is 9 days (Spring Festival) and the overrides are
# finite lists, so a search running past a year means a broken calendar.
_SEARCH_LIMIT = timedelta(days=366)


class WorkingCalendar:
    """Is a date a working day: the rule set's overrides, then the official schedule."""

    def __init__(self, days_off: Iterable[date] = (), working_days: Iterable[date] = ()) -> None:
        self.days_off = frozenset(days_off)
        self.working_days = frozenset(working_days)
        both = self.days_off & self.working_days
        if both:
            listed = ", ".join(d.isoformat() for d in sorted(both))
            raise ValueError(f"listed both as a day off and as a working day: {listed}")
        self._unknown_years: set[int] = set()  # warned about once each

    @classmethod
    def for_rules(cls, rules: RuleSet) -> WorkingCalendar:
        """The calendar of a rule set's overrides, shared while they stay the same
        (the scheduler builds an evaluator every tick; the warning stays once)."""
        return _shared(frozenset(rules.non_working_days), frozenset(rules.extra_working_days))

    def is_working_day(self, day: date) -> bool:
        if day in self.working_days:
            return True
        if day in self.days_off:
            return False
        return self._official(day)

    def _official(self, day: date) -> bool:
        # Cached per date by the kit: the scheduler asks about the same few weeks of
        # dates thousands of times a tick.
        known = official_working_day(day)
        if known is None:
            if day.year not in self._unknown_years:
                self._unknown_years.add(day.year)
                log.warning(
                    "the holiday calendar does not know %s; counting Monday to Friday as "
                    "working days: upgrade chinesecalendar or list that year's holidays and "
                    "make-up working days in the reminder rules",
                    day.year,
                    extra={"year": day.year},
                )
            return monday_to_friday(day)
        return known

    def next_working_day(self, day: date, *, inclusive: bool = False) -> date:
        """The first working day after `day` (or `day` itself when `inclusive` and working)."""
        candidate = day if inclusive else day + timedelta(days=1)
        while not self.is_working_day(candidate):
            candidate += timedelta(days=1)
            if candidate - day > _SEARCH_LIMIT:
                raise RuntimeError(f"no working day within a year after {day.isoformat()}")
        return candidate

    def previous_working_day(self, day: date, *, inclusive: bool = False) -> date:
        """The last working day before `day` (or `day` itself when `inclusive` and working)."""
        candidate = day if inclusive else day - timedelta(days=1)
        while not self.is_working_day(candidate):
            candidate -= timedelta(days=1)
            if day - candidate > _SEARCH_LIMIT:
                raise RuntimeError(f"no working day within a year before {day.isoformat()}")
        return candidate

    def first_working_day(self, year: int, month: int) -> date:
        return self.next_working_day(date(year, month, 1), inclusive=True)

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in [start, end): `start` counts, `end` does not (as numpy's
        busday_count); negative when `end` is before `start`."""
        if end < start:
            return -self.working_days_between(end, start)
        return sum(
            self.is_working_day(start + timedelta(days=i)) for i in range((end - start).days)
        )


@functools.lru_cache(maxsize=8)
def _shared(days_off: frozenset[date], working_days: frozenset[date]) -> WorkingCalendar:
    return WorkingCalendar(days_off, working_days)
