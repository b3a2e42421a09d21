"""Conversations on a published demand: one thread per counterpart organization (a supplier, a provider,
or a bank with a lead) with the demand's owner; messages, each side's unread count, and the audit trail
of admins who read a thread."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, Uuid
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UUIDPrimaryKey, check_in, utcnow

CONVERSATION_STATUSES = ("open", "closed")


class Conversation(UUIDPrimaryKey, Base):
    __tablename__ = "conversations"
    __table_args__ = (
        CheckConstraint(check_in("status", CONVERSATION_STATUSES), name="status"),
        UniqueConstraint("demand_id", "counterpart_id", name="uq_conversations_demand_counterpart"),
        Index("ix_conversations_owner_recent", "owner_id", "last_message_at", "id"),
        Index("ix_conversations_counterpart_recent", "counterpart_id", "last_message_at", "id"),
    )

    demand_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("demands.id", ondelete="CASCADE"))
    # The demand's enterprise, and the organization on the other side.
    owner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    counterpart_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(10), default="open")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_message_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Messages each side has not read: kept on the row, so a thread list never counts messages.
    owner_unread: Mapped[int] = mapped_column(default=0)
    counterpart_unread: Mapped[int] = mapped_column(default=0)
    closed_at: Mapped[datetime | None]
    closed_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class ConversationMessage(UUIDPrimaryKey, Base):
    __tablename__ = "conversation_messages"
    __table_args__ = (Index("ix_conversation_messages_thread", "conversation_id", "created_at", "id"),)

    conversation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    sender_organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE")
    )
    sender_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    attachment_ids: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(Uuid), default=list, server_default="{}")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditEvent(UUIDPrimaryKey, Base):
    """What an admin or an operator did: every write they made (app/kit/audit.py), with the values
    before and after, and an admin's reading of a private thread, with the reason."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_subject", "subject_type", "subject_id", "created_at"),
        Index("ix_audit_events_actor", "actor_user_id", "created_at"),
        Index("ix_audit_events_region", "region_code", "created_at"),
    )

    actor_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(60))
    subject_type: Mapped[str] = mapped_column(String(40))
    # The row's id (a uuid, or a code for reference data such as a region).
    subject_id: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    before: Mapped[dict[str, Any] | None] = mapped_column(JSONB(none_as_null=True))
    after: Mapped[dict[str, Any] | None] = mapped_column(JSONB(none_as_null=True))
    # The region the row belongs to (its own, or its organization's), for reading the log by region.
    region_code: Mapped[str | None] = mapped_column(String(6))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
