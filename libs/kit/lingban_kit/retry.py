"""Telling a dependency outage from a bad input, and waiting out the outage.

A database or broker that is unreachable, electing a primary or timing out
comes back by itself: the work must wait and try again, however long it
takes. Parking it (dead letter) would lose it, or at least make a person
replay it. Everything else (decoding, validation, domain rules, bugs) will
fail the same way next time and is handled as poison after a few attempts.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

from aiokafka import errors as kafka_errors
from pymongo import errors as mongo_errors

# pymongo: AutoReconnect covers ServerSelectionTimeoutError, NetworkTimeout and
# NotPrimaryError; WaitQueueTimeoutError (pool exhausted) and ExecutionTimeout
# (server-side time limit) are the other "try again later" answers.
_MONGO_TRANSIENT: tuple[type[BaseException], ...] = (
    mongo_errors.ConnectionFailure,
    mongo_errors.ExecutionTimeout,
    mongo_errors.WTimeoutError,
)
# The server's own "retry me" answers (MongoDB's retryable error codes):
# unreachable or shutting-down members, elections, network and time limits.
_MONGO_RETRYABLE_CODES = frozenset(
    {6, 7, 89, 91, 189, 262, 9001, 10107, 11600, 11602, 13435, 13436}
)
# aiokafka marks most broker hiccups `retriable`; these two are not marked but
# are outages all the same (no broker answered in time, no connection).
_KAFKA_TRANSIENT: tuple[type[BaseException], ...] = (
    kafka_errors.KafkaTimeoutError,
    kafka_errors.KafkaConnectionError,
)


def is_transient(exc: BaseException) -> bool:
    """Whether `exc` says "a dependency is away", as opposed to "this input is bad"."""
    if isinstance(exc, BaseExceptionGroup):
        return any(is_transient(e) for e in exc.exceptions)
    if isinstance(exc, _MONGO_TRANSIENT + _KAFKA_TRANSIENT):
        return True
    if isinstance(exc, mongo_errors.OperationFailure) and exc.code in _MONGO_RETRYABLE_CODES:
        return True
    if isinstance(exc, mongo_errors.PyMongoError) and (
        exc.has_error_label("RetryableWriteError") or exc.has_error_label("ResetPool")
    ):
        return True
    if isinstance(exc, kafka_errors.KafkaError):
        return bool(getattr(exc, "retriable", False))
    # Sockets refused or reset, and asyncio/OS timeouts (TimeoutError is an OSError).
    return isinstance(exc, OSError)


def backoff_delays(initial: float, maximum: float) -> Iterator[float]:
    """initial, 2×initial, 4×initial, ... capped at `maximum`, forever."""
    delay = initial
    while True:
        yield min(delay, maximum)
        delay = min(delay * 2, maximum) if delay > 0 else maximum


async def sleep_backoff(delays: Iterator[float]) -> float:
    delay = next(delays)
    await asyncio.sleep(delay)
    return delay
