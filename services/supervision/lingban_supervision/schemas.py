"""Response bodies every supervision aggregate shares: its id, version and history.

The response models are read from the domain objects by attribute
(`from_attributes`), so a model names exactly the fields a client gets: the
aggregate's state, never the outbox, the pending events or the fields stored
only for queries (`region_path`, `rectification_open`).
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from lingban_contracts import Actor


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class HistoryEntryOut(Out):
    """One change of the aggregate and the event it published."""

    version: int = Field(description="The version this change produced")
    event_type: str = Field(description="Type of the event recorded")
    by: Actor
    at: datetime


class AggregateOut(Out):
    id: str
    version: int = Field(description="Also the ETag; send it as If-Match to change the record")
    history: list[HistoryEntryOut] = Field(description="Every change, oldest first")
