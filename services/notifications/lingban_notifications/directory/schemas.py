"""HTTP response bodies of the contact directory API (requests use `Recipient` itself)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class ContactsStoredOut(BaseModel):
    stored: int = Field(ge=0, description="Contacts created or replaced")
