"""A file attached to a record: what events and records carry instead of the bytes.

The bytes live in the owning service's database (GridFS, see docs/files.md);
records and events carry this reference. `file_id` and `sha256` are present
for every file uploaded through a service's `/v1/files` route; attachments
noted before uploads existed carry only the metadata (both null).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

SHA256_PATTERN = r"^[0-9a-f]{64}$"


class Attachment(BaseModel):
    """Evidence attached to a record (a reference; the file lives in the owning service)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1, max_length=200, description="File name as shown to people")
    content_type: str = Field(max_length=100, description="Media type detected from the content")
    size_bytes: int = Field(ge=0)
    uri: str | None = Field(default=None, max_length=1000)
    file_id: str | None = Field(
        default=None,
        pattern=r"^[0-9a-f]{24}$",
        description="Id of the stored file in the owning service (GET /v1/files/{file_id})",
    )
    sha256: str | None = Field(
        default=None, pattern=SHA256_PATTERN, description="SHA-256 of the file's bytes (hex)"
    )
