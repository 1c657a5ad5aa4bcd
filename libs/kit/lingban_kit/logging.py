"""Structured JSON logs with a correlation id carried through HTTP and Kafka."""

from __future__ import annotations

import json
import logging
import re
import sys
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

correlation_id: ContextVar[str | None] = ContextVar("correlation_id", default=None)

# Ids from outside (an HTTP header, a Kafka record header) reach every JSON log
# line and the `ce_correlationid` header of every event caused (finding LB-21):
# only short, plain ids are carried on.
_PLAIN_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


def accepted_correlation_id(*candidates: str | None) -> str:
    """The first candidate that is a plain id of ≤ 64 chars, else a new random one."""
    for candidate in candidates:
        if candidate is not None and _PLAIN_ID.fullmatch(candidate):
            return candidate
    return uuid.uuid4().hex


# `color_message` is uvicorn's ANSI-coloured copy of the message: noise in JSON.
_RESERVED = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {
    "message",
    "asctime",
    "color_message",
}


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "service": self.service,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        cid = correlation_id.get()
        if cid:
            entry["correlation_id"] = cid
        # `logger.info("x", extra={...})` fields become top-level keys.
        for key, value in record.__dict__.items():
            if key not in _RESERVED and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_logging(service: str, level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # FastStream creates its "faststream" logger with a coloured stderr handler
    # (and propagation off) when first imported: import it now so that the
    # reset below is not undone by the app's import later.
    import faststream  # noqa: F401

    # Uvicorn and FastStream install their own handlers; route them through ours.
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "aiokafka", "faststream"):
        lg = logging.getLogger(name)
        lg.handlers[:] = []
        lg.propagate = True
    logging.getLogger("aiokafka").setLevel("WARNING")
