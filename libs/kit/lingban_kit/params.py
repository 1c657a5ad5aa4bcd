"""Query parameters several routes share, bounded where the database needs bounds.

An unbounded `int` from a query string reaches MongoDB as is, and PyMongo refuses
integers beyond 8 bytes with an OverflowError: a 500 for `?year=10**20`
(found by Schemathesis, tests/security). The bounds make such input a 422.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

YEAR_MIN, YEAR_MAX = 2000, 2100
# Lists are paged by at most 500; no one pages a million rows deep.
OFFSET_MAX = 1_000_000

YearQuery = Annotated[int, Query(ge=YEAR_MIN, le=YEAR_MAX)]
OptionalYearQuery = Annotated[int | None, Query(ge=YEAR_MIN, le=YEAR_MAX)]
OffsetQuery = Annotated[int, Query(ge=0, le=OFFSET_MAX)]
