"""A long loop hands the event loop back once its turn is up, not before."""

from __future__ import annotations

import asyncio

from lingban_kit.loop_turns import LoopTurns


async def test_a_ready_task_runs_once_the_turn_is_up_and_not_before() -> None:
    now = [0.0]
    turns = LoopTurns(0.01, clock=lambda: now[0])
    ran: list[float] = []

    async def waiting() -> None:
        ran.append(now[0])

    task = asyncio.get_running_loop().create_task(waiting())  # ready from here on
    for _ in range(3):
        now[0] += 0.003
        await turns.take()
    assert ran == []  # 9 ms of work: the loop is still held
    now[0] += 0.003
    await turns.take()
    assert ran == [0.012]
    assert turns.taken == 1
    await task


async def test_each_turn_starts_when_the_loop_was_last_handed_back() -> None:
    now = [0.0]
    turns = LoopTurns(0.01, clock=lambda: now[0])
    for _ in range(10):
        now[0] += 0.004
        await turns.take()
    # Handed back at 12 ms, 24 ms and 36 ms: three turns in 40 ms of work.
    assert turns.taken == 3
