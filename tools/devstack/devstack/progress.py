"""Progress of a long `make up` step: a start line, counts while it runs, a summary at the end.

Two renderings of the same state:
- stderr is a terminal: one line redrawn in place with a carriage return (no
  other terminal codes), e.g. `devstack: demo projects [######------] 120/230 (52 %) 41 s`;
- anything else (a CI log, a pipe): plain lines, one at each further 10 %
  but never two within `min_interval` seconds, and one every `heartbeat`
  seconds while nothing else was written, so a slow step still shows it is alive.

A step without counts (`total=None`, one long call) shows its seconds only.
Workers of a thread pool call `advance`; a background ticker (off in tests,
which call `tick` with a fake clock) keeps the heartbeat and the seconds going.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from typing import TextIO

PREFIX = "devstack: "
BAR_WIDTH = 24
TTY_REDRAW_SECONDS = 0.2  # redrawing more often only costs CPU
TICKER_SECONDS = 0.5


class Progress:
    """One step (`what`, e.g. "demo projects") of `total` work items, or of one long call."""

    def __init__(
        self,
        what: str,
        total: int | None,
        *,
        stream: TextIO | None = None,
        tty: bool | None = None,
        clock: Callable[[], float] = time.monotonic,
        min_interval: float = 2.0,
        heartbeat: float = 10.0,
        background: bool = True,
    ) -> None:
        self.what = what
        self.total = None if total is None else max(total, 0)
        self.stream = stream if stream is not None else sys.stderr
        self.tty = _isatty(self.stream) if tty is None else tty
        self.clock = clock
        self.min_interval = min_interval
        self.heartbeat = heartbeat
        self.background = background
        self.done = 0
        self.began = clock()
        self._lock = threading.RLock()
        self._last_line = self.began  # when the last progress line (or redraw) was written
        self._last_step = 0  # the last 10 % step a line reported
        self._in_place = 0  # length of a redrawn line on screen without its newline yet
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None

    # ---- life cycle --------------------------------------------------------------
    def start(self, note: str, *, began: float | None = None) -> Progress:
        """Say what is about to happen; start the ticker unless there is nothing to do.

        `began`: when the step really began (a check before it knew its total),
        so the summary's seconds count that too.
        """
        with self._lock:
            self._last_line = self.clock()
            self.began = self._last_line if began is None else began
            self._line(f"{self.what}: {note}")
            if self._active():
                self._redraw(self.began)
        if self.background and self._active():
            self._ticker = threading.Thread(target=self._tick_loop, daemon=True)
            self._ticker.start()
        return self

    def advance(self, count: int = 1) -> None:
        with self._lock:
            self.done += count
            if self.total is not None:
                self.done = min(self.done, self.total)
            self._maybe_show(self.clock())

    def tick(self) -> None:
        """Heartbeat (the ticker calls it): shows the state when a line is due."""
        with self._lock:
            self._maybe_show(self.clock())

    def note(self, message: str) -> None:
        """A line of its own while the step runs; the in-place line is redrawn after it."""
        with self._lock:
            self._line(f"{self.what}: {message}")
            if self._active():
                self._redraw(self.clock())

    def finish(self, summary: str) -> float:
        """Stop the ticker and write the summary line; returns the step's seconds."""
        self._stop_ticker()
        with self._lock:
            seconds = self.clock() - self.began
            self._line(f"{self.what}: {summary} ({seconds:.1f} s)")
            return seconds

    def close(self) -> None:
        """On an error: stop the ticker and end the in-place line so the error starts clean."""
        self._stop_ticker()
        with self._lock:
            self._end_in_place()

    @property
    def seconds(self) -> float:
        return self.clock() - self.began

    def counts(self) -> str:
        if self.total is None:
            return f"{self.done}"
        percent = self.done * 100 // self.total if self.total else 100
        return f"{self.done}/{self.total} ({percent} %)"

    # ---- rendering -----------------------------------------------------------------
    def _active(self) -> bool:
        """Whether there is something to show progress of (not for an empty step)."""
        return self.total is None or self.done < self.total

    def _maybe_show(self, now: float) -> None:
        if not self._active():
            return  # the summary line follows
        quiet_for = now - self._last_line
        if self.tty:
            if quiet_for >= TTY_REDRAW_SECONDS:
                self._redraw(now)
            return
        if self.total is None:
            if quiet_for >= self.heartbeat:
                self._last_line = now
                self._line(f"{self.what}: still running ({now - self.began:.0f} s)")
            return
        step = self.done * 10 // self.total if self.total else 10
        new_step = step > self._last_step and quiet_for >= self.min_interval
        if new_step or quiet_for >= self.heartbeat:
            self._last_step = max(self._last_step, step)
            self._last_line = now
            self._line(f"{self.what} {self.counts()} {now - self.began:.0f} s")

    def _redraw(self, now: float) -> None:
        if not self.tty:
            return
        seconds = f"{now - self.began:.0f} s"
        if self.total is None:
            text = f"{self.what}: running {seconds}"
        else:
            filled = self.done * BAR_WIDTH // self.total if self.total else BAR_WIDTH
            bar = "#" * filled + "-" * (BAR_WIDTH - filled)
            text = f"{self.what} [{bar}] {self.counts()} {seconds}"
        self._write_over(f"{PREFIX}{text}")
        self._last_line = now
        self._in_place = len(PREFIX) + len(text)

    def _end_in_place(self) -> None:
        """Keep what the in-place line shows (how far the step got) and end it."""
        if self._in_place:
            self.stream.write("\n")
            self.stream.flush()
            self._in_place = 0

    def _line(self, text: str) -> None:
        """A whole line; in a terminal it replaces the in-place line, if one is drawn."""
        if self._in_place:
            self._write_over(f"{PREFIX}{text}")
            self.stream.write("\n")
            self.stream.flush()
            self._in_place = 0
            return
        self.stream.write(f"{PREFIX}{text}\n")
        self.stream.flush()

    def _write_over(self, text: str) -> None:
        # Spaces blank out the rest of a longer previous text: no clear-line code needed.
        self.stream.write(f"\r{text}{' ' * max(0, self._in_place - len(text))}")
        self.stream.flush()

    # ---- the ticker ------------------------------------------------------------------
    def _tick_loop(self) -> None:
        while not self._stop.wait(TICKER_SECONDS):
            self.tick()

    def _stop_ticker(self) -> None:
        self._stop.set()
        ticker, self._ticker = self._ticker, None
        if ticker is not None and ticker is not threading.current_thread():
            ticker.join()


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
