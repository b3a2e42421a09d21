"""The search outbox: one row per change to a searchable document, written in the writer's transaction."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Identity, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, utcnow


class SearchOutbox(Base):
    __tablename__ = "search_outbox"
    __table_args__ = (
        Index("ix_search_outbox_ready", "available_at", "id", postgresql_where=text("dead_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    index_name: Mapped[str] = mapped_column(String(40))
    doc_id: Mapped[uuid.UUID]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    available_at: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    locked_by: Mapped[str | None] = mapped_column(String(100))
    last_error: Mapped[str | None] = mapped_column(Text)
    dead_at: Mapped[datetime | None]
