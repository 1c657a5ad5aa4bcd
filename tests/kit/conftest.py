"""Fixtures shared by the kit's tests."""

from tests.kit.relays import producer

__all__ = ["producer"]
