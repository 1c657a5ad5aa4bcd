"""The one error type devstack raises for problems a developer can act on."""

from __future__ import annotations


class DevstackError(RuntimeError):
    """A missing tool, a busy port, a server that did not come up: the message says what to do."""
