"""One typed error hierarchy, rendered by one handler as clear JSON.

Every message exists in Chinese (default) and English; the client picks with
`Accept-Language`. `details` lists field-level problems a person can fix.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar


@dataclass(frozen=True)
class FieldProblem:
    field: str
    message: str
    message_en: str

    def render(self, lang: str) -> dict[str, str]:
        return {"field": self.field, "message": self.message_en if lang == "en" else self.message}


@dataclass
class LingbanError(Exception):
    message: str
    message_en: str
    details: list[FieldProblem] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    # Response headers the answer carries (e.g. `Retry-After`).
    headers: dict[str, str] = field(default_factory=dict)

    status_code: ClassVar[int] = 400
    code: ClassVar[str] = "bad_request"

    def __str__(self) -> str:
        return self.message_en

    def render(self, lang: str) -> dict[str, Any]:
        body: dict[str, Any] = {
            "code": self.code,
            "message": self.message_en if lang == "en" else self.message,
        }
        if self.details:
            body["details"] = [d.render(lang) for d in self.details]
        body.update(self.extra)
        return {"error": body}


class ValidationFailed(LingbanError):
    status_code = 422
    code = "validation_failed"


class Unauthenticated(LingbanError):
    status_code = 401
    code = "unauthenticated"


class Forbidden(LingbanError):
    status_code = 403
    code = "forbidden"


class NotFound(LingbanError):
    status_code = 404
    code = "not_found"


class Conflict(LingbanError):
    status_code = 409
    code = "conflict"


class InvalidTransition(Conflict):
    code = "invalid_transition"


class ServiceUnavailable(LingbanError):
    status_code = 503
    code = "unavailable"


class PayloadTooLarge(LingbanError):
    status_code = 413
    code = "payload_too_large"


class UnsupportedMediaType(LingbanError):
    status_code = 415
    code = "unsupported_media_type"
