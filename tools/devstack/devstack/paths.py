"""Where things live: the repo's `infra/` sources and the git-ignored `.devstack/` state.

.devstack/cache/            jars and binaries, shared by every profile
.devstack/<profile>/        data, logs, pid files and generated config of one profile
"""

from __future__ import annotations

import os
from pathlib import Path

from devstack.errors import DevstackError

STATE_DIR_NAME = ".devstack"
# A file only this repo has: it marks the root whether devstack runs from the
# source tree (editable install) or from an installed wheel inside the repo's venv.
_ROOT_MARKER = Path("infra") / "kafka" / "pom.xml"


def repo_root() -> Path:
    override = os.environ.get("DEVSTACK_REPO_ROOT")
    if override:
        return Path(override).resolve()
    for start in (Path(__file__).resolve().parent, Path.cwd().resolve()):
        for candidate in (start, *start.parents):
            if (candidate / _ROOT_MARKER).is_file():
                return candidate
    raise DevstackError(
        f"cannot find the Lingban repo root (the folder with {_ROOT_MARKER}); "
        "run from inside the repo or set DEVSTACK_REPO_ROOT"
    )


def infra_dir() -> Path:
    return repo_root() / "infra"


def state_dir() -> Path:
    return repo_root() / STATE_DIR_NAME


def created(path: Path) -> Path:
    """`path` as a folder that exists; only writers call this, so `status` creates nothing."""
    state = state_dir()
    # exist_ok: Kafka and the database are provisioned from two threads at once.
    state.mkdir(parents=True, exist_ok=True)
    ignore = state / ".gitignore"
    if not ignore.exists():
        # Belt and braces next to the root .gitignore: nothing in here is ever committed.
        ignore.write_text("*\n", encoding="utf-8")
    path.mkdir(parents=True, exist_ok=True)
    return path


def cache_dir() -> Path:
    return state_dir() / "cache"


def profile_dir(profile: str) -> Path:
    return state_dir() / profile


def logs_dir(profile: str) -> Path:
    return profile_dir(profile) / "logs"


def pids_dir(profile: str) -> Path:
    return profile_dir(profile) / "pids"


def locks_dir(profile: str) -> Path:
    return profile_dir(profile) / "locks"
