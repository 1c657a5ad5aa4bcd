"""Channels behind one interface, and the dispatcher that retries, digests and dead-letters."""
