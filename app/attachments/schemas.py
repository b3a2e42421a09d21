from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field

from app.kernel import AttachmentPurpose


class AttachmentOut(BaseModel):
    id: uuid.UUID
    filename: str
    content_type: str = Field(description="Judged from the bytes: JPEG, PNG, WebP, PDF, XLSX or DOCX.")
    size_bytes: int
    sha256: str = Field(
        description="Hex SHA-256 of the bytes a download returns (an image's re-encoded bytes)."
    )
    purpose: AttachmentPurpose
    url: str = Field(description="Where the bytes are: `GET` it with the same token (or none, if public).")
    thumbnail_url: str | None = Field(default=None, description="A 320-pixel WebP of an image.")
    created_at: datetime


class AttachmentList(BaseModel):
    items: list[AttachmentOut]
    next_cursor: str | None
