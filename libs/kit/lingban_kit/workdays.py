"""Mainland China's official working days, from the maintained `chinese_calendar`
package (PyPI `chinesecalendar`): public holidays off, and the make-up working days
(调休) that pay for long breaks, often a Saturday or Sunday, on.

The State Council publishes each year's schedule in the late autumn before and the
package follows with a release, so a dependency upgrade brings the next year in.
For a year it does not know yet the answer is None: each caller says what it falls
back to (Monday to Friday) and how loudly.
"""

from __future__ import annotations

import functools
from datetime import date

import chinese_calendar  # type: ignore[import-untyped]  # ships no type hints


@functools.lru_cache(maxsize=4096)
def official_working_day(day: date) -> bool | None:
    """Whether `day` is an official working day; None when the package does not know
    its year. Cached per date: the package scans its tables on every call."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return None


def monday_to_friday(day: date) -> bool:
    return day.isoweekday() <= 5


def working_day(day: date) -> bool:
    """The official schedule, or Monday to Friday for a year it does not know yet."""
    known = official_working_day(day)
    return monday_to_friday(day) if known is None else known
