"""How a figure document stores its counters and covered units: each as one string.

FerretDB 1.24 on PostgreSQL stores a document as JSON with a type schema beside
every field, and decodes all of it on every read and every update (a projection
is applied after decoding). A figure document holds a hundred or more counters,
and every roll-up is summed from its children as stored, so those counters are
what reporting reads most: as one string of JSON text they cost a third or less
to read and rewrite than as an embedded document of the same numbers
(docs/performance.md, "Figure documents as packed text").

Documents written before (counters as an embedded document with `%`/`.`
percent-encoded names, covered units as an array) still read the same; the book
rewrites each in this form the next time it writes it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from lingban_reporting.figures.contributions import Counts

Doc = dict[str, Any]


def pack_counts(counts: Mapping[str, float]) -> str:
    """Non-zero counters as JSON text, names sorted and whole numbers written as such,
    so equal sums pack equal (`2.0` and `2` compared equal in the embedded form too)."""
    return _text({name: _number(value) for name, value in sorted(counts.items()) if value})


def pack_covered(codes: Iterable[str]) -> str:
    return _text(sorted(set(codes)))


def counts_of(doc: Doc | None) -> Counts:
    """A figure document's counters, whichever form it stores them in."""
    counts = (doc or {}).get("counts") or {}
    if isinstance(counts, str):
        loaded: Counts = json.loads(counts)
        return loaded
    # The embedded form: names percent-encoded (a name may hold neither `.` nor a leading `$`).
    return {k.replace("%2E", ".").replace("%25", "%"): v for k, v in counts.items()}


def covered_of(doc: Doc | None) -> list[str]:
    covered = (doc or {}).get("covered") or []
    return list(json.loads(covered) if isinstance(covered, str) else covered)


def pack_summed(revs: Mapping[str, int]) -> str:
    """The `rev` of each child a roll-up's sum was made of (`known.py`)."""
    return _text(dict(sorted(revs.items())))


def summed_of(doc: Doc) -> dict[str, int] | None:
    """What `pack_summed` recorded; None for a roll-up written before it was recorded."""
    summed = doc.get("summed")
    if not isinstance(summed, str):
        return None
    loaded: dict[str, int] = json.loads(summed)
    return loaded


def _number(value: float) -> float:
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _text(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
