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
            stderr=subprocess.STDOUT,
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
        tail = "\n".join(result.stdout.splitlines()[-40:])
        raise DevstackError(f"{what} failed (exit {result.returncode}): {' '.join(argv)}\n{tail}")
