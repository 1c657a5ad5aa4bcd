"""Attaching uploaded files to a record, as part of the command that changes it.

Before the command: `resolve` checks every reference (the file exists in this
service's store, the acting user may see it, it is not another record's) and
replaces what the client sent with the stored truth (name, media type, size,
SHA-256), so a record can never carry a forged hash or size. After the
command's one document write: `FileStore.attach` marks the files, so the
sweep leaves them alone and downloads follow the record's jurisdiction.
References without a `file_id` (attachments noted before uploads existed)
pass unchanged. Any reference model with the fields of
`lingban_contracts.attachments.Attachment` works (supervision's `Photo` too).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from pydantic import BaseModel

from lingban_kit.auth import Principal
from lingban_kit.errors import FieldProblem, ValidationFailed
from lingban_kit.files.store import FileStore
from lingban_kit.files.upload import record_too_large

R = TypeVar("R", bound=BaseModel)


def _file_id(ref: BaseModel) -> str | None:
    value = getattr(ref, "file_id", None)
    return value if isinstance(value, str) else None


async def resolve(
    store: FileStore,
    principal: Principal,
    refs: Sequence[R],
    *,
    record_id: str | None,
    max_record_bytes: int,
    field: str = "attachments",
) -> tuple[R, ...]:
    """The references as stored; 422 naming each one that cannot be attached."""
    resolved: list[R] = []
    problems: list[FieldProblem] = []
    seen: set[str] = set()
    for i, ref in enumerate(refs):
        file_id = _file_id(ref)
        if file_id is None:
            resolved.append(ref)
            continue
        if file_id in seen:
            continue
        seen.add(file_id)
        stored = await store.get(file_id)
        usable = (
            stored is not None
            and principal.can_see(stored.region_code)
            and stored.record_id in (None, record_id)
        )
        if stored is None or not usable:
            problems.append(
                FieldProblem(
                    f"{field}.{i}.file_id",
                    f"附件“{getattr(ref, 'name', file_id)}”不存在、已过期或属于其他记录，请重新上传",
                    f"Attachment {getattr(ref, 'name', file_id)!r} does not exist, expired or "
                    "belongs to another record; upload it again",
                )
            )
            continue
        # The stored truth replaces what the client sent (other fields, e.g. a photo's
        # `taken_at`, stay the client's).
        resolved.append(ref.model_copy(update={**stored.reference().model_dump(), "uri": None}))
    if problems:
        raise ValidationFailed(
            message="附件无法使用，请重新上传",
            message_en="Some attachments cannot be used; upload them again",
            details=problems,
        )
    if sum(int(getattr(a, "size_bytes", 0)) for a in resolved) > max_record_bytes:
        raise record_too_large(max_record_bytes)
    return tuple(resolved)


def file_ids(refs: Sequence[BaseModel]) -> list[str]:
    """The stored files among the references (those with a `file_id`)."""
    return [f for f in map(_file_id, refs) if f is not None]
