"""libfaketime from Debian's packages: one process's wall clock moved, for the fault suite.

The fault suite runs a replica whose clock runs ahead (issue 15, risk R12). Moving the
machine's clock would move every process's, the database's included, which is exactly
what must not happen; `LD_PRELOAD`ing libfaketime into one service process moves only
that process's `clock_gettime(CLOCK_REALTIME)`, `time()` and `gettimeofday()` — every
way Python (and so every library in the process) reads the wall clock. The monotonic
clock is left alone (`FAKETIME_DONT_FAKE_MONOTONIC`): a machine whose clock is wrong
still measures intervals right, and asyncio's timers run on it.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from devstack import commands, paths
from devstack.console import say
from devstack.errors import DevstackError
from devstack.locks import file_lock

_APT_PACKAGE = "libfaketime"
# Where Debian's package puts the library, per architecture.
_LIBRARY_GLOB = "/usr/lib/*/faketime/libfaketime.so.1"


def _find_library() -> Path | None:
    found = sorted(Path("/").glob(_LIBRARY_GLOB.lstrip("/")))
    return found[0] if found else None


def _install_with_apt() -> None:
    apt = shutil.which("apt-get")
    if apt is None:
        raise DevstackError(
            "libfaketime is not installed and there is no apt-get to install it; "
            "install libfaketime (Debian: `apt-get install libfaketime`)"
        )
    sudo: list[str] = []
    if os.geteuid() != 0:
        if shutil.which("sudo") is None:
            raise DevstackError(
                "libfaketime is not installed; run `sudo apt-get install libfaketime`"
            )
        sudo = ["sudo"]
    say("installing libfaketime from Debian's packages (apt-get, first run only)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    commands.run_build([*sudo, apt, "-q", "update"], what="apt-get update", env=env)
    commands.run_build(
        [*sudo, apt, "install", "-y", "-q", "--no-install-recommends", _APT_PACKAGE],
        what="installing libfaketime",
        env=env,
    )


def ensure_library() -> Path:
    """The path of libfaketime.so.1; installed from Debian if missing."""
    with file_lock(paths.cache_dir() / "locks" / "libfaketime-install.lock"):
        library = _find_library()
        if library is None:
            _install_with_apt()
            library = _find_library()
        if library is None:
            raise DevstackError("libfaketime was installed but libfaketime.so.1 was not found")
        return library


def clock_ahead_env(seconds: int) -> dict[str, str]:
    """The environment that runs a process with its wall clock `seconds` ahead."""
    return {
        "LD_PRELOAD": str(ensure_library()),
        "FAKETIME": f"{seconds:+d}",  # relative: the clock keeps running, just ahead
        "FAKETIME_DONT_FAKE_MONOTONIC": "1",
    }
