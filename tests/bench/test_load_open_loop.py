"""The load generator is open-loop: requests start on schedule, latency counts from the due time."""

from __future__ import annotations

import asyncio
import time

import pytest

from bench.load_open_loop import Outcome, run_open_loop
from bench.load_stats import percentile, ratio, summarize, windows


async def test_requests_start_on_schedule_while_earlier_ones_still_run() -> None:
    # No request can finish before all 20 have started: a closed loop would hang here.
    all_started = asyncio.Event()
    started = 0

    async def send(index: int) -> Outcome:
        nonlocal started
        started += 1
        if started == 20:
            all_started.set()
        await all_started.wait()
        return Outcome("x", ok=True, status=200)

    result = await asyncio.wait_for(run_open_loop(200, 0.1, send), timeout=10)

    assert result.planned == 20
    assert len(result.samples) == 20
    assert all(s.outcome.ok for s in result.samples)
    dues = sorted(s.due for s in result.samples)
    assert dues[-1] - dues[0] == pytest.approx(19 / 200)
    first = min(result.samples, key=lambda s: s.index)
    # The first request waited for the last one to start: its latency shows it.
    assert first.latency >= dues[-1] - dues[0]


async def test_a_stalled_generator_is_reported_and_counted_in_latency() -> None:
    async def send(index: int) -> Outcome:
        if index == 0:  # keeps the event loop itself busy, as a loaded machine would
            until = time.perf_counter() + 0.5
            while time.perf_counter() < until:
                pass
        return Outcome("x", ok=True, status=200)

    result = await asyncio.wait_for(run_open_loop(100, 0.2, send), timeout=10)

    assert result.behind
    assert result.max_lateness >= 0.3
    late = [s for s in result.samples if s.lateness > 0.1]
    assert late
    assert all(s.latency >= s.lateness for s in late)


async def test_failures_are_results_and_stragglers_are_cut_off() -> None:
    never = asyncio.Event()

    async def send(index: int) -> Outcome:
        if index == 0:
            raise RuntimeError("connection refused")
        if index == 1:
            await never.wait()
        return Outcome("x", ok=True, status=201)

    result = await asyncio.wait_for(
        run_open_loop(50, 0.1, send, drain_timeout=0.2, kind_on_error="cmd"), timeout=10
    )

    failed = [s for s in result.samples if not s.outcome.ok]
    assert [(s.outcome.kind, s.outcome.status) for s in failed] == [("cmd", None)]
    assert "connection refused" in (failed[0].outcome.error or "")
    assert result.unfinished == 1
    assert result.unanswered[0] >= 0.2  # it had waited at least the drain timeout
    assert len(result.samples) == result.planned - 1
    assert not result.behind  # a slow server is not a slow generator


def test_percentiles_are_nearest_rank_in_milliseconds() -> None:
    values = [i / 1000 for i in range(1, 101)]  # 1..100 ms
    summary = summarize(values)
    assert summary is not None
    assert summary.count == 100
    assert [summary.p50, summary.p95, summary.p99, summary.max] == pytest.approx([50, 95, 99, 100])
    assert percentile([7.0], 99) == 7.0
    assert summarize([]) is None
    assert ratio(summary, summarize([0.025])) == pytest.approx(2.0)
    assert ratio(summary, None) is None


def test_windows_split_latencies_by_due_time_so_a_burst_shows() -> None:
    # (due, latency): a quiet first 10 s, a slow second window, one late straggler.
    samples = [(100.0 + i, 0.010) for i in range(10)]
    samples += [(110.0 + i / 2, 0.500) for i in range(20)]
    samples += [(135.0, 0.020)]
    out = windows(reversed(samples), 10.0)
    assert [start for start, _ in out] == [0.0, 10.0, 30.0]
    assert [w.count for _, w in out] == [10, 20, 1]
    assert [w.p50 for _, w in out] == pytest.approx([10.0, 500.0, 20.0])
    assert windows([], 10.0) == []
