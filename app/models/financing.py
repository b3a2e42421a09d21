"""Financing products banks publish (技改贷, 更新贷, 专精特新贷, 制惠贷 …)."""

from __future__ import annotations

import uuid
from decimal import Decimal

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, Numeric, String, Text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Timestamps, UUIDPrimaryKey


class FinancingProduct(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "financing_products"
    __table_args__ = (
        CheckConstraint("amount_min_cny > 0 AND amount_min_cny <= amount_max_cny", name="amount_range"),
        CheckConstraint("term_min_months > 0 AND term_min_months <= term_max_months", name="term_range"),
        CheckConstraint(
            "rate_min_pct IS NULL OR rate_max_pct IS NULL OR rate_min_pct <= rate_max_pct", name="rate_range"
        ),
        Index("ix_financing_products_public_list", "is_active", "created_at", "id"),
    )

    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    financing_type: Mapped[str] = mapped_column(ForeignKey("financing_types.code"))
    description: Mapped[str] = mapped_column(Text, default="")
    amount_min_cny: Mapped[int] = mapped_column(BigInteger)
    amount_max_cny: Mapped[int] = mapped_column(BigInteger)
    term_min_months: Mapped[int]
    term_max_months: Mapped[int]
    rate_min_pct: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    rate_max_pct: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    # Empty means no restriction (all of Sichuan / every industry / every task).
    region_codes: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)
    industry_codes: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)
    task_types: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)
    relending_eligible: Mapped[bool] = mapped_column(default=False)
    is_active: Mapped[bool] = mapped_column(default=True, server_default="true")
    version: Mapped[int] = mapped_column(default=1, server_default="1")
