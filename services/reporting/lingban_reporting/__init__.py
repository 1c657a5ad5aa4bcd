"""Reporting service: read models built from events, query API, exports, dashboard."""
