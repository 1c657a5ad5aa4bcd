"""Short-lived build commands (Maven, Go): found on PATH, run to completion, failures explained."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

from devstack.errors import DevstackError

# A cold Go build of FerretDB with module downloads takes one or two minutes
# on two cores; this only catches a hung download.
BUILD_TIMEOUT_SECONDS = 15 * 60


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
    if result.returncode != 0:
        tail = "\n".join(result.stdout.splitlines()[-40:])
        raise DevstackError(f"{what} failed (exit {result.returncode}): {' '.join(argv)}\n{tail}")
