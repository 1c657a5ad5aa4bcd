"""Progress lines: plain ones in a log, one bar redrawn in place in a terminal."""

from __future__ import annotations

import io
import threading

import pytest

from devstack.progress import Progress


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def progress(total: int | None, tty: bool) -> tuple[Progress, io.StringIO, Clock]:
    stream, clock = io.StringIO(), Clock()
    shown = Progress("demo projects", total, stream=stream, tty=tty, clock=clock, background=False)
    return shown, stream, clock


def test_a_log_gets_a_start_line_one_per_10_percent_and_a_summary() -> None:
    shown, stream, clock = progress(230, tty=False)
    shown.start("230 to declare")
    for _ in range(230):
        clock.now += 0.4  # slow enough that every 10 % step gets its line
        shown.advance()
    shown.finish("230 added")

    lines = stream.getvalue().splitlines()
    assert lines[0] == "devstack: demo projects: 230 to declare"
    assert lines[1] == "devstack: demo projects 23/230 (10 %) 9 s"
    assert lines[5] == "devstack: demo projects 115/230 (50 %) 46 s"
    assert lines[-1] == "devstack: demo projects: 230 added (92.0 s)"
    assert len(lines) == 1 + 9 + 1  # 10 % … 90 %; 100 % is the summary
    assert "\r" not in stream.getvalue()


def test_a_log_never_gets_two_lines_within_two_seconds() -> None:
    shown, stream, clock = progress(100, tty=False)
    shown.start("100 to do")
    for _ in range(99):
        clock.now += 0.01  # 10 % steps every 0.1 s
        shown.advance()

    assert stream.getvalue().count("\n") == 1  # only the start line
    clock.now += 2.0
    shown.advance(0)
    assert stream.getvalue().splitlines()[-1] == "devstack: demo projects 99/100 (99 %) 3 s"


def test_a_stuck_step_still_shows_it_is_alive_every_ten_seconds() -> None:
    shown, stream, clock = progress(10, tty=False)
    shown.start("10 to do")
    clock.now += 9.9
    shown.tick()
    assert stream.getvalue().count("\n") == 1
    clock.now += 0.1
    shown.tick()
    assert stream.getvalue().splitlines()[-1] == "devstack: demo projects 0/10 (0 %) 10 s"


def test_one_long_call_shows_its_seconds() -> None:
    shown, stream, clock = progress(None, tty=False)
    shown.start("flagging 440 months")
    clock.now += 10
    shown.tick()
    clock.now += 2.5
    shown.finish("440 flagged")

    assert stream.getvalue().splitlines() == [
        "devstack: demo projects: flagging 440 months",
        "devstack: demo projects: still running (10 s)",
        "devstack: demo projects: 440 flagged (12.5 s)",
    ]


def test_nothing_to_do_is_a_start_and_a_summary_only() -> None:
    shown, stream, clock = progress(0, tty=True)
    shown.start("all 236 projects found complete")
    clock.now += 0.5
    shown.tick()
    shown.finish("0 added")

    assert stream.getvalue() == (
        "devstack: demo projects: all 236 projects found complete\n"
        "devstack: demo projects: 0 added (0.5 s)\n"
    )


def test_a_terminal_gets_one_bar_redrawn_in_place_and_the_summary_over_it() -> None:
    shown, stream, clock = progress(4, tty=True)
    shown.start("4 to do")
    for _ in range(3):
        clock.now += 1
        shown.advance()
    shown.note("resuming 1 half-done project")
    clock.now += 1
    shown.advance()
    shown.finish("4 added")

    out = stream.getvalue()
    assert "\x1b" not in out  # a carriage return only, no terminal codes
    assert "\rdevstack: demo projects [##################------] 3/4 (75 %) 3 s" in out
    finished = out.split("\n")
    assert finished[0] == "devstack: demo projects: 4 to do"
    assert finished[-2].split("\r")[-1].rstrip() == "devstack: demo projects: 4 added (4.0 s)"
    assert finished[-1] == ""
    # The note took the bar's place and the bar came back under it.
    assert any(
        line.split("\r")[-1].rstrip() == "devstack: demo projects: resuming 1 half-done project"
        for line in finished
    )


def test_an_error_ends_the_bar_line_first() -> None:
    shown, stream, clock = progress(4, tty=True)
    shown.start("4 to do")
    clock.now += 1
    shown.advance()
    shown.close()

    assert stream.getvalue().endswith("1/4 (25 %) 1 s\n")


def test_workers_in_threads_are_all_counted() -> None:
    shown, _, _ = progress(8000, tty=False)
    shown.start("8000 to do")

    def work() -> None:
        for _ in range(1000):
            shown.advance()

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert shown.done == 8000


def test_a_part_run_as_one_step_says_what_it_starts_and_what_it_did(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from devstack.demo import PartResult, announced

    result = announced(
        "dispatch",
        "monthly meetings and their tasks",
        lambda _: PartResult("dispatch", 0, 29, 0.1, "0 added, 29 found"),
    )
    assert result.found == 29
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == "devstack: demo dispatch: monthly meetings and their tasks"
    assert lines[-1].startswith("devstack: demo dispatch: 0 added, 29 found (")


def test_a_part_with_a_total_shows_its_counts_as_it_advances(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from devstack.demo import PartResult, announced

    def load(progress: Progress) -> PartResult:
        for _ in range(4):
            progress.advance()
        assert progress.counts() == "4/4 (100 %)"
        return PartResult("stationing", 4, 0, 0.1, "4 added, 0 found")

    announced("stationing", "rosters", load, total=4)
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == "devstack: demo stationing: rosters"
    assert lines[-1].startswith("devstack: demo stationing: 4 added, 0 found (")


def test_a_part_that_fails_ends_its_line_and_lets_the_error_through(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from devstack.demo import PartResult, announced

    def broken(_: object) -> PartResult:
        raise RuntimeError("the service answered 500")

    with pytest.raises(RuntimeError, match="500"):
        announced("stationing", "rosters", broken)
    assert "rosters" in capsys.readouterr().err
