"""Conversations on a published demand: one thread per counterpart organization (a supplier, a provider,
or a bank with a lead) with the demand's owner; messages, each side's unread count, and the audit trail
of admins who read a thread."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, Uuid
from sqlalchemy.dialects.postgresql import ARRAY
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
    """What an admin did that a member of the public would want on record: reading a private thread."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_subject", "subject_type", "subject_id", "created_at"),)

    actor_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(40))
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[uuid.UUID]
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
