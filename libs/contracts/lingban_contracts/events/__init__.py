"""Versioned event payloads, one module per producing service."""
