"""Prometheus metrics every service exposes at /metrics."""

from __future__ import annotations

from prometheus_client import REGISTRY, Counter, Gauge, Histogram

HTTP_REQUESTS = Counter(
    "lingban_http_requests_total",
    "HTTP requests handled.",
    ["service", "method", "route", "status"],
)
HTTP_LATENCY = Histogram(
    "lingban_http_request_duration_seconds",
    "HTTP request latency.",
    ["service", "method", "route"],
)
EVENTS_CONSUMED = Counter(
    "lingban_events_consumed_total",
    "Events taken off Kafka, by outcome (handled, skipped, dead_lettered).",
    ["service", "event_type", "outcome"],
)
HANDLER_FAILURES = Counter(
    "lingban_event_handler_failures_total",
    "Failed attempts to handle an event (each retry counts).",
    ["service", "event_type"],
)
HANDLER_LATENCY = Histogram(
    "lingban_event_handler_duration_seconds",
    "Time to handle one event.",
    ["service", "event_type"],
)
EVENTS_PUBLISHED = Counter(
    "lingban_events_published_total",
    "Events the outbox relay published to Kafka.",
    ["service", "event_type"],
)
OUTBOX_PENDING = Gauge(
    "lingban_outbox_pending_events",
    "Events written to the outbox and not yet published (as last seen by the relay).",
    ["service"],
)
OUTBOX_ERRORS = Counter(
    "lingban_outbox_relay_errors_total",
    "Relay cycles that failed (Kafka or database unreachable); they are retried.",
    ["service"],
)
OUTBOX_DEAD_LETTERED = Counter(
    "lingban_outbox_dead_lettered_events_total",
    "Outbox entries the relay could never publish (too large, invalid), moved to "
    "the outbox_dead_letters collection. Alert on any increase.",
    ["service"],
)
BACKGROUND_RESTARTS = Counter(
    "lingban_background_task_restarts_total",
    "Background loops (batch consumers, schedulers) that died and were restarted.",
    ["service", "task"],
)
CONSUMER_OUTAGE_WAITS = Counter(
    "lingban_consumer_outage_retries_total",
    "Handler attempts that failed because a dependency (database, broker) was "
    "unreachable; the event is retried until it is back, never dead-lettered.",
    ["service"],
)

registry = REGISTRY
