"""A retried command after a lost answer is applied once (`Idempotency-Key`).

pymongo retries no write on a standalone server or FerretDB, so a timeout or a
5xx whose write landed leaves the client not knowing; a person presses the
button again. Without help that second request creates a second project,
inspection or visit, or appends a second report.

The root fix, not a key cache: the client sends a fresh `Idempotency-Key` per
form submission and the same key on every retry of it. The ids a request
creates are then *derived* from (caller, method and path, key) with uuid5
instead of drawn at random (`new_id`), so a retried create writes the same
`_id` and the database's unique `_id` refuses the copy in the same single
write that would have made it; nothing to look up first and nothing to
expire. The stored document keeps the request's fingerprint (a hash of its
JSON body): a retry with the same body is answered with the stored record
(same status, plus `Idempotent-Replayed: true`), the same key with another
body is refused with 422 (`idempotency_key_reused`).

An append to an existing aggregate (a stage or weekly report) stores the
request's mark (`request_mark`) with the appended entry, so the domain
recognises a retry and answers without a second entry (`UnitOfWork.change`'s
`applied`, checked before the version: the retry's If-Match is one behind
because of its own first write).

The header is optional: a client without it gets random ids, as before.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from pymongo.errors import DuplicateKeyError

from lingban_kit.errors import Conflict, ValidationFailed
from lingban_kit.mongo import Collection, Document

IDEMPOTENCY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
# Where a created document keeps the fingerprint of the request that made it.
IDEMPOTENCY_FIELD = "idempotency"
# Fixed for ever: changing it would give a retry across the change a new id.
_NAMESPACE = uuid.UUID("6f1d3c2e-5b7a-4e0f-9a41-2d8c7b5e3f10")
_KEY_PATTERN = re.compile(r"^[\x21-\x7e]{1,255}$")


@dataclass(frozen=True)
class RequestMark:
    """What an appended entry keeps of the request that appended it."""

    id: str  # derived from (caller, route, key): the same on every retry
    fingerprint: str  # the request body's hash: tells a retry from a reused key


class IdempotencyKeyReused(ValidationFailed):
    code = "idempotency_key_reused"


def key_reused() -> IdempotencyKeyReused:
    return IdempotencyKeyReused(
        message=(
            "该幂等键（Idempotency-Key）已用于内容不同的另一次提交；"
            "新的提交请使用新的键，重试请原样重发"
        ),
        message_en=(
            "This Idempotency-Key was already used for a request with a different body; "
            "use a new key for a new submission, or resend the same body to retry"
        ),
    )


class Replayed(Conflict):
    """The create landed before (a retry): the unit of work answers the stored record.

    A 409 only where a use case inserts without the unit of work.
    """

    code = "already_created"


@dataclass
class Attempt:
    """One keyed request: the source of its ids and its fingerprint."""

    scope: str  # hash of (caller, method and path, key)
    fingerprint: str
    # Says on the answer that a retry was answered from what is stored.
    on_replay: Callable[[], None] | None = None
    issued: list[str] = field(default_factory=list)

    def next_id(self) -> str:
        derived = uuid.uuid5(_NAMESPACE, f"{self.scope}/{len(self.issued)}").hex
        self.issued.append(derived)
        return derived

    def mark(self) -> RequestMark:
        derived = uuid.uuid5(_NAMESPACE, f"{self.scope}/mark").hex
        return RequestMark(id=derived, fingerprint=self.fingerprint)

    def replayed(self) -> None:
        if self.on_replay is not None:
            self.on_replay()


_attempt: ContextVar[Attempt | None] = ContextVar("idempotent_attempt", default=None)


def current_attempt() -> Attempt | None:
    return _attempt.get()


def new_id() -> str:
    """A new aggregate or entry id: derived from the request's key when it has one.

    The n-th id one request asks for is the same on every retry of it, as long
    as the use case runs the same way (which a retry of the same body does).
    """
    attempt = _attempt.get()
    return attempt.next_id() if attempt is not None else uuid.uuid4().hex


def replayed() -> None:
    """Say on the answer that this request was answered from what a first attempt stored."""
    attempt = _attempt.get()
    if attempt is not None:
        attempt.replayed()


def request_mark() -> RequestMark | None:
    """The mark an appended entry stores (None without a key)."""
    attempt = _attempt.get()
    return attempt.mark() if attempt is not None else None


def already_applied(marks: Iterable[RequestMark | None], request: RequestMark | None) -> bool:
    """Whether an entry of `marks` was appended by this request (a retry).

    Raises `IdempotencyKeyReused` when it was appended under the same key but
    from another body.
    """
    if request is None:
        return False
    for mark in marks:
        if mark is not None and mark.id == request.id:
            if mark.fingerprint != request.fingerprint:
                raise key_reused()
            return True
    return False


def fingerprint(body: bytes) -> str:
    """The body's hash, the same for the same JSON however its keys are ordered."""
    try:
        canonical = json.dumps(
            json.loads(body), sort_keys=True, separators=(",", ":"), ensure_ascii=False
        ).encode()
    except ValueError:  # not JSON (or empty): the bytes as sent
        canonical = body
    return hashlib.sha256(canonical).hexdigest()


def attempt_scope(caller: str, method: str, path: str, key: str) -> str:
    return hashlib.sha256(f"{caller}\n{method} {path}\n{key}".encode()).hexdigest()


def valid_key(raw: str) -> str:
    """The key as sent (a structured-header string's quotes dropped), or 422."""
    key = raw.strip().strip('"')
    if not _KEY_PATTERN.match(key):
        raise ValidationFailed(
            message="Idempotency-Key 须为 1–255 个可见 ASCII 字符（建议用 UUID）",
            message_en="Idempotency-Key must be 1-255 visible ASCII characters (a UUID, say)",
        )
    return key


def begin(attempt: Attempt) -> None:
    """Make `attempt` the current request's (the route dependency calls this: each
    request runs in a context of its own, so it ends with the request)."""
    _attempt.set(attempt)


@contextlib.contextmanager
def attempting(attempt: Attempt) -> Iterator[Attempt]:
    """`attempt` current inside the block only (tests, jobs)."""
    token = _attempt.set(attempt)
    try:
        yield attempt
    finally:
        _attempt.reset(token)


async def insert_new(collection: Collection, doc: Document) -> bool:
    """Insert a new aggregate's document; False (nothing written) when its id exists.

    When the id was derived from this request's key, the document keeps the
    request's fingerprint, and finding it stored already means a retry:
    `Replayed` (same body) or `IdempotencyKeyReused` (another body).
    """
    attempt = _attempt.get()
    ours = attempt is not None and doc["_id"] in attempt.issued
    if attempt is not None and ours:
        doc = {**doc, IDEMPOTENCY_FIELD: {"fingerprint": attempt.fingerprint}}
    try:
        await collection.insert_one(doc)
    except DuplicateKeyError:
        if attempt is None or not ours:
            return False
        stored = await collection.find_one({"_id": doc["_id"]}, {IDEMPOTENCY_FIELD: 1})
        check_replay(stored, attempt)
        return False
    return True


def check_replay(stored: Document | None, attempt: Attempt) -> None:
    """Raise what a stored document with a derived id means for this attempt."""
    marker: Any = (stored or {}).get(IDEMPOTENCY_FIELD)
    if isinstance(marker, dict) and marker.get("fingerprint") != attempt.fingerprint:
        raise key_reused()
    raise Replayed(
        message="该记录已由此前的同一次提交创建",
        message_en="This record was already created by an earlier attempt of the same request",
        extra={"id": (stored or {}).get("_id")},
    )
