"""What demand owners say about their matches, and the notifications matching sends."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UUIDPrimaryKey, check_in, utcnow

MATCH_KINDS = ("product", "provider", "financing", "policy")
FEEDBACK_ACTIONS = ("shortlist", "dismiss", "clear")


class MatchFeedback(UUIDPrimaryKey, Base):
    """One event: the demand's owner shortlisted, dismissed or cleared a match. The latest event per
    (demand, kind, target) is the match's state; all of them stay, for statistics and weight tuning."""

    __tablename__ = "match_feedback"
    __table_args__ = (
        CheckConstraint(check_in("kind", MATCH_KINDS), name="kind"),
        CheckConstraint(check_in("action", FEEDBACK_ACTIONS), name="action"),
        Index("ix_match_feedback_demand", "demand_id", "kind", "target_id", "created_at"),
    )

    demand_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("demands.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    # A product, provider organization or financing product id, or a policy code.
    target_id: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(20))
    # The score and rank the match had when the owner acted on it: what tuning the weights needs.
    score: Mapped[float | None]
    rank: Mapped[int | None]
    reasons: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONB)
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Notification(UUIDPrimaryKey, Base):
    """A message to an organization (every member sees it)."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_inbox", "organization_id", "created_at", "id"),)

    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    read_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
