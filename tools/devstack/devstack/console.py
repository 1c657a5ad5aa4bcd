"""Progress messages for a person watching `make up` or a test run."""

from __future__ import annotations

import sys


def say(message: str) -> None:
    # stderr, because stdout of `infra-up` must stay shell-eval-able.
    print(f"devstack: {message}", file=sys.stderr, flush=True)
