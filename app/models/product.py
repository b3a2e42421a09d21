"""Products of the quality supply list (优质产品供给清单) and their review history."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, SmallInteger, String, Text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Timestamps, UUIDPrimaryKey, check_in, utcnow

PRODUCT_STATUSES = ("draft", "pending_review", "listed", "rejected", "withdrawn")
REVIEW_DECISIONS = ("approve", "reject")


class Product(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "products"
    __table_args__ = (
        CheckConstraint(check_in("status", PRODUCT_STATUSES), name="status"),
        CheckConstraint("price_min_cny >= 0 AND price_min_cny <= price_max_cny", name="price_range"),
        CheckConstraint("energy_grade BETWEEN 1 AND 3", name="energy_grade"),
        Index("ix_products_public_list", "status", "listed_at", "id"),
        Index("ix_products_owner_list", "organization_id", "created_at", "id"),
        Index("ix_products_review_queue", "status", "submitted_at", "id"),
    )

    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    model: Mapped[str] = mapped_column(String(100))
    category_code: Mapped[str] = mapped_column(ForeignKey("equipment_categories.code"), index=True)
    industry_codes: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)
    description: Mapped[str] = mapped_column(Text, default="")
    price_min_cny: Mapped[int] = mapped_column(BigInteger)
    price_max_cny: Mapped[int] = mapped_column(BigInteger)
    energy_grade: Mapped[int | None] = mapped_column(SmallInteger)
    made_in_sichuan: Mapped[bool] = mapped_column(default=False)
    # The supplier's claim above; an admin confirms it at review.
    made_in_sichuan_verified: Mapped[bool] = mapped_column(default=False, server_default="false")
    service_region_codes: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)
    lead_time_days: Mapped[int | None]
    certifications: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)

    status: Mapped[str] = mapped_column(String(20), default="draft")
    submitted_at: Mapped[datetime | None]
    listed_at: Mapped[datetime | None]
    review_note: Mapped[str | None] = mapped_column(Text)
    reviewed_at: Mapped[datetime | None]
    reviewed_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    version: Mapped[int] = mapped_column(default=1, server_default="1")


class ProductReview(UUIDPrimaryKey, Base):
    """Every review decision on a product, with who made it."""

    __tablename__ = "product_reviews"
    __table_args__ = (CheckConstraint(check_in("decision", REVIEW_DECISIONS), name="decision"),)

    product_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)
    decision: Mapped[str] = mapped_column(String(10))
    note: Mapped[str] = mapped_column(Text, default="")
    made_in_sichuan_confirmed: Mapped[bool | None]
    decided_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)
