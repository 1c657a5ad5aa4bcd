"""A wall-clock time of day in Asia/Shanghai, as the API documents it.

Pydantic describes `datetime.time` as JSON Schema `format: time`, which is RFC
3339's full-time and requires an offset (`09:00:00+08:00`); the service sends
and stores local times without one (`09:00:00`), so the documented format was
wrong for every answer (found by Schemathesis, tests/security). The pattern
below is what is sent.
"""

from __future__ import annotations

from datetime import time
from typing import Annotated

from pydantic import WithJsonSchema

LocalTime = Annotated[
    time,
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,6})?)?$",
            "examples": ["09:00:00"],
        }
    ),
]
