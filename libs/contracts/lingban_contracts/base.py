"""Base class of every event payload (the CloudEvents `data`)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class EventData(BaseModel):
    """A versioned event payload.

    Payloads are frozen and reject unknown fields on *our* side, so a typo in a
    producer fails loudly. Consumers of other systems should ignore unknown
    fields: adding an optional field is a compatible change within a version.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")
