"""Leads for banks: subscriptions with criteria, leads (one per subscription and demand), the webhook
deliveries that carry them, and every delivery attempt."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Timestamps, UUIDPrimaryKey, check_in, utcnow

LEAD_STATUSES = ("new", "viewed", "contacted", "approved", "declined")
# cancelled: the bank was suspended or the enterprise withdrew its consent before the event went out.
DELIVERY_STATUSES = ("pending", "succeeded", "dead", "cancelled")


class LeadSubscription(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "lead_subscriptions"
    __table_args__ = (
        CheckConstraint(
            "amount_min_cny IS NULL OR amount_max_cny IS NULL OR amount_min_cny <= amount_max_cny",
            name="amount_range",
        ),
        Index("ix_lead_subscriptions_bank", "organization_id", "created_at", "id"),
    )

    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    # Empty means any region / industry / task.
    region_codes: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)
    industry_codes: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)
    task_types: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)
    amount_min_cny: Mapped[int | None] = mapped_column(BigInteger)
    amount_max_cny: Mapped[int | None] = mapped_column(BigInteger)
    webhook_url: Mapped[str | None] = mapped_column(String(500))
    # The signing secret (whsec_ + base64), sealed with SECRET_KEY (app/kit/secret_box.py): needed to
    # sign, so kept, but never in the clear; shown to the bank once.
    webhook_secret: Mapped[str] = mapped_column(String(200))
    webhook_disabled_at: Mapped[datetime | None]
    webhook_disabled_reason: Mapped[str | None] = mapped_column(Text)
    # Set at the first failed delivery after a success; cleared by a success. Failing for days disables.
    failing_since: Mapped[datetime | None]
    deleted_at: Mapped[datetime | None]


class Lead(UUIDPrimaryKey, Base):
    """A demand's financing need offered to one subscription's bank: exactly once (unique pair)."""

    __tablename__ = "leads"
    __table_args__ = (
        UniqueConstraint("subscription_id", "demand_id"),
        CheckConstraint(check_in("status", LEAD_STATUSES), name="status"),
        Index("ix_leads_feed", "organization_id", "created_at", "id"),
        Index("ix_leads_demand", "demand_id"),
    )

    subscription_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("lead_subscriptions.id", ondelete="CASCADE")
    )
    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    demand_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("demands.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(20), default="new")
    viewed_at: Mapped[datetime | None]
    contacted_at: Mapped[datetime | None]
    approved_at: Mapped[datetime | None]
    declined_at: Mapped[datetime | None]
    # The enterprise's answer to the bank's interest: contact details are released only once accepted.
    interest_accepted_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1, server_default="1")


class WebhookDelivery(Base):
    """One event for one subscription's endpoint. `id` is the `webhook-id`, the same on every retry; the
    body is fixed when the event is created, so every attempt sends the same bytes."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        CheckConstraint(check_in("status", DELIVERY_STATUSES), name="status"),
        Index("ix_webhook_deliveries_ready", "next_attempt_at", postgresql_where="status = 'pending'"),
        Index("ix_webhook_deliveries_subscription", "subscription_id", "created_at", "id"),
        # Deleting a lead (or its demand) sets lead_id NULL here: unindexed, each one scanned the table.
        Index("ix_webhook_deliveries_lead", "lead_id"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    subscription_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("lead_subscriptions.id", ondelete="CASCADE")
    )
    lead_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("leads.id", ondelete="SET NULL"))
    event_type: Mapped[str] = mapped_column(String(40))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    locked_until: Mapped[datetime | None]
    locked_by: Mapped[str | None] = mapped_column(String(100))
    last_status_code: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class WebhookAttempt(Base):
    __tablename__ = "webhook_attempts"
    __table_args__ = (Index("ix_webhook_attempts_delivery", "delivery_id", "id"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    delivery_id: Mapped[str] = mapped_column(ForeignKey("webhook_deliveries.id", ondelete="CASCADE"))
    attempt: Mapped[int]
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    duration_ms: Mapped[int | None]
    status_code: Mapped[int | None]
    error: Mapped[str | None] = mapped_column(Text)
    worker: Mapped[str | None] = mapped_column(String(100))
    detail: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)


class SavedSearch(UUIDPrimaryKey, Base):
    """A supplier's or provider's standing search over new demands."""

    __tablename__ = "saved_searches"
    __table_args__ = (Index("ix_saved_searches_owner", "organization_id", "created_at", "id"),)

    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(String(200))
    list_name: Mapped[str] = mapped_column(String(20), default="demands")
    q: Mapped[str] = mapped_column(String(200), default="")
    filters: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
