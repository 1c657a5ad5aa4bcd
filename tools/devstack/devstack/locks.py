"""Inter-process locks, so that a test run and `make up` starting at once do not
download into the same folder or launch the same server twice."""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from devstack import paths


@contextmanager
def file_lock(path: Path) -> Iterator[None]:
    paths.created(path.parent)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
