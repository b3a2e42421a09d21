"""Demands (设备更新需求): what an enterprise wants to upgrade, why, and how it will pay."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, SmallInteger, String, Text, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Timestamps, UUIDPrimaryKey, check_in

DEMAND_STATUSES = ("draft", "published", "contracted", "completed", "closed")


class Demand(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "demands"
    __table_args__ = (
        CheckConstraint(check_in("status", DEMAND_STATUSES), name="status"),
        CheckConstraint("budget_min_cny >= 0 AND budget_min_cny <= budget_max_cny", name="budget_range"),
        CheckConstraint("required_energy_grade BETWEEN 1 AND 3", name="required_energy_grade"),
        CheckConstraint("old_equipment_energy_grade BETWEEN 1 AND 3", name="old_equipment_energy_grade"),
        CheckConstraint(
            "(financing_amount_cny IS NULL) = (financing_term_months IS NULL)", name="financing_pair"
        ),
        Index("ix_demands_public_list", "status", "published_at", "id"),
        # The public list filtered by one dimension walks one of these in order and stops after a page.
        Index(
            "ix_demands_published_by_region",
            "region_code",
            "published_at",
            "id",
            postgresql_where=text("status = 'published'"),
        ),
        Index(
            "ix_demands_published_by_task",
            "task_type",
            "published_at",
            "id",
            postgresql_where=text("status = 'published'"),
        ),
        Index(
            "ix_demands_published_by_industry",
            "industry_code",
            "published_at",
            "id",
            postgresql_where=text("status = 'published'"),
        ),
        Index("ix_demands_owner_list", "organization_id", "created_at", "id"),
        Index("ix_demands_category_codes", "category_codes", postgresql_using="gin"),
    )

    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    task_type: Mapped[str] = mapped_column(ForeignKey("task_types.code"), index=True)
    industry_code: Mapped[str] = mapped_column(ForeignKey("industries.code"), index=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    category_codes: Mapped[list[str]] = mapped_column(ARRAY(Text))
    quantity: Mapped[int | None]
    budget_min_cny: Mapped[int] = mapped_column(BigInteger)
    budget_max_cny: Mapped[int] = mapped_column(BigInteger)
    expected_start: Mapped[date | None]
    old_equipment_age_years: Mapped[int | None] = mapped_column(SmallInteger)
    old_equipment_energy_grade: Mapped[int | None] = mapped_column(SmallInteger)
    old_equipment_below_baseline: Mapped[bool] = mapped_column(default=False, server_default="false")
    required_energy_grade: Mapped[int | None] = mapped_column(SmallInteger)
    needs_equipment: Mapped[bool] = mapped_column(default=False)
    needs_design: Mapped[bool] = mapped_column(default=False)
    needs_engineering: Mapped[bool] = mapped_column(default=False)
    financing_amount_cny: Mapped[int | None] = mapped_column(BigInteger)
    financing_term_months: Mapped[int | None]
    share_with_banks: Mapped[bool] = mapped_column(default=False)

    status: Mapped[str] = mapped_column(String(20), default="draft")
    contracted_amount_cny: Mapped[int | None] = mapped_column(BigInteger)
    published_at: Mapped[datetime | None]
    contracted_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    # The 一对一技改方案 item this draft was made from, when the enterprise accepted one.
    plan_item_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("plan_items.id", ondelete="SET NULL", use_alter=True), unique=True
    )
