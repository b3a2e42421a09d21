"""Quotes (报价) suppliers and providers make on published demands."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Timestamps, UUIDPrimaryKey, check_in

QUOTE_STATUSES = ("submitted", "accepted", "declined", "withdrawn")


class Quote(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "quotes"
    __table_args__ = (
        CheckConstraint(check_in("status", QUOTE_STATUSES), name="status"),
        CheckConstraint("price_cny > 0", name="price_positive"),
        CheckConstraint("delivery_days > 0", name="delivery_positive"),
        Index("ix_quotes_demand_list", "demand_id", "created_at", "id"),
        Index("ix_quotes_organization_list", "organization_id", "created_at", "id"),
    )

    demand_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("demands.id", ondelete="CASCADE"))
    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    product_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("products.id", ondelete="SET NULL"))
    price_cny: Mapped[int] = mapped_column(BigInteger)
    delivery_days: Mapped[int]
    message: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="submitted")
    decided_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=1, server_default="1")
