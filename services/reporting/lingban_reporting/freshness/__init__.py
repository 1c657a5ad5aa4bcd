"""How fresh the read models are: events applied and the time of the newest one.

`applied_events` is the sum over every read-model document of the distinct
event versions folded into it (a redelivery does not change it), `as_of` the
newest event time. Both are kept in the `all` figure document (summed like any
other figure, see `figures/book.py`), so a poll is one read by `_id`; the
dashboard polls this and refreshes its figures when it changes.
"""

from __future__ import annotations

from lingban_reporting.figures.reads import freshness

__all__ = ["freshness"]
