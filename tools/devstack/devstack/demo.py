"""Demo data for `make up` (filled in by the main developer)."""

from __future__ import annotations


def seed(service_urls: dict[str, str]) -> None:
    """Load demo data through the services' public HTTP APIs."""
    return None
