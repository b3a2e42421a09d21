"""Files attached to a demand, product, quote, organization or conversation: the bytes live in storage
(app/attachments/storage.py), this row says what they are, whose, and where."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UUIDPrimaryKey, check_in, utcnow

ATTACHMENT_PARENTS = ("demand", "product", "quote", "organization", "conversation")
ATTACHMENT_PURPOSES = (
    "photo",
    "spec_sheet",
    "drawing",
    "renewal_plan",
    "quote_document",
    "qualification_certificate",
    "message",
    "other",
)


class Attachment(UUIDPrimaryKey, Base):
    __tablename__ = "attachments"
    __table_args__ = (
        CheckConstraint(check_in("parent_type", ATTACHMENT_PARENTS), name="parent_type"),
        CheckConstraint(check_in("purpose", ATTACHMENT_PURPOSES), name="purpose"),
        Index("ix_attachments_parent", "parent_type", "parent_id", "created_at"),
    )

    parent_type: Mapped[str] = mapped_column(String(20))
    parent_id: Mapped[uuid.UUID]
    # Whose file it is: the uploader's organization (the parent's owner, or a conversation's side).
    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    uploaded_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    purpose: Mapped[str] = mapped_column(String(40))
    storage_key: Mapped[str] = mapped_column(String(300))
    thumbnail_key: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
