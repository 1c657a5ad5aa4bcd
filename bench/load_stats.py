"""Percentiles and summaries of latencies for bench/load.py (pure, no I/O)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any


def percentile(ordered: Sequence[float], p: float) -> float:
    """Nearest-rank percentile of an ascending, non-empty sequence (p in 0..100)."""
    if not ordered:
        raise ValueError("no values")
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


@dataclass(frozen=True)
class Summary:
    """Latencies in milliseconds."""

    count: int
    p50: float
    p95: float
    p99: float
    max: float
    mean: float

    def as_dict(self) -> dict[str, Any]:
        return {k: (round(v, 2) if isinstance(v, float) else v) for k, v in asdict(self).items()}


def summarize(seconds: Iterable[float]) -> Summary | None:
    """Summary of durations given in seconds; None when there are none."""
    ordered = sorted(seconds)
    if not ordered:
        return None
    ms = [v * 1000 for v in ordered]
    return Summary(
        count=len(ms),
        p50=percentile(ms, 50),
        p95=percentile(ms, 95),
        p99=percentile(ms, 99),
        max=ms[-1],
        mean=sum(ms) / len(ms),
    )


def ratio(a: Summary | None, b: Summary | None, field: str = "p50") -> float | None:
    """a.field / b.field, or None when either is missing or b is 0."""
    if a is None or b is None:
        return None
    bottom = float(getattr(b, field))
    return float(getattr(a, field)) / bottom if bottom > 0 else None


def windows(samples: Iterable[tuple[float, float]], width: float) -> list[tuple[float, Summary]]:
    """(offset from the first due time, summary) per `width` seconds of due time, from
    (due, latency) pairs in seconds: a burst shows as its windows, not only in the tail."""
    pairs = sorted(samples)
    if not pairs:
        return []
    begin = pairs[0][0]
    buckets: dict[int, list[float]] = {}
    for due, latency in pairs:
        buckets.setdefault(int((due - begin) // width), []).append(latency)
    out: list[tuple[float, Summary]] = []
    for index, latencies in sorted(buckets.items()):
        summary = summarize(latencies)
        assert summary is not None  # every bucket has a latency
        out.append((index * width, summary))
    return out
