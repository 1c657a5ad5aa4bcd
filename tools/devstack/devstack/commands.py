"""Short-lived build commands (Maven, Go): found on PATH, run to completion, failures explained."""

from __future__ import annotations

import shutil
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from devstack.console import say
from devstack.errors import DevstackError

# A cold Go build of FerretDB with module downloads takes one or two minutes
# on two cores; this only catches a hung download.
BUILD_TIMEOUT_SECONDS = 15 * 60
# A quiet download or build this long gets a line saying it is still going.
HEARTBEAT_SECONDS = 15.0


def _heartbeat(what: str, done: threading.Event) -> None:
    began = time.monotonic()
    while not done.wait(HEARTBEAT_SECONDS):
        say(f"{what}: still working ({time.monotonic() - began:.0f} s)")


def require_tool(name: str, why: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise DevstackError(f"`{name}` is not on PATH; it is needed {why}")
    return path


def run_build(
    argv: Sequence[str],
    *,
    what: str,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> None:
    """Run a build step, saying it still runs; its output only when it fails."""
    _build_step(argv, what=what, cwd=cwd, env=env, separate_stderr=False)


def capture_build(
    argv: Sequence[str],
    *,
    what: str,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> str:
    """Like `run_build`, and return its standard output (progress on stderr stays out)."""
    return _build_step(argv, what=what, cwd=cwd, env=env, separate_stderr=True)


def _build_step(
    argv: Sequence[str],
    *,
    what: str,
    cwd: Path | None,
    env: Mapping[str, str] | None,
    separate_stderr: bool,
) -> str:
    done = threading.Event()
    heartbeat = threading.Thread(target=_heartbeat, args=(what, done), daemon=True)
    heartbeat.start()
    try:
        result = subprocess.run(
            list(argv),
            cwd=cwd,
            env=None if env is None else dict(env),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE if separate_stderr else subprocess.STDOUT,
            text=True,
            timeout=BUILD_TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise DevstackError(f"{what} did not finish in {BUILD_TIMEOUT_SECONDS} s") from error
    finally:
        done.set()
        heartbeat.join()
    if result.returncode != 0:
        output = result.stdout + (result.stderr or "")
        tail = "\n".join(output.splitlines()[-40:])
        raise DevstackError(f"{what} failed (exit {result.returncode}): {' '.join(argv)}\n{tail}")
    return result.stdout
