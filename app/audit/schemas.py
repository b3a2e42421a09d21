from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class AuditActor(BaseModel):
    id: uuid.UUID
    name: str
    email: str
    organization_id: uuid.UUID
    organization_name: str


class AuditEntry(BaseModel):
    """One write an admin or operator made (or a private read an admin made), with the values it changed."""

    id: uuid.UUID
    at: datetime
    actor: AuditActor | None = Field(description="Who: null once the user is deleted.")
    action: str = Field(
        description="`<table>.create`, `<table>.update`, `<table>.delete`, or a recorded read "
        "(`read_conversation`)."
    )
    object_type: str = Field(description="The table: organizations, users, regions, policies …")
    object_id: str
    region_code: str | None = Field(description="The region the object belongs to, when it has one.")
    before: dict[str, Any] | None = Field(description="Changed columns' earlier values (secrets left out).")
    after: dict[str, Any] | None = Field(description="Their new values; a creation's every column.")
    reason: str = Field(description="What the actor gave as the reason, for a recorded read.")


class AuditLog(BaseModel):
    items: list[AuditEntry]
    next_cursor: str | None
