"""全川行 diagnoses: a 服务专员's visits to an enterprise, the findings, and the 一对一技改方案 of recommended
items the enterprise accepts (each into a draft demand) or declines."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Timestamps, UUIDPrimaryKey, check_in, utcnow

DIAGNOSIS_STATUSES = ("planned", "visited", "plan_drafted", "delivered", "closed")
PLAN_ITEM_STATUSES = ("proposed", "accepted", "declined")


class Diagnosis(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "diagnoses"
    __table_args__ = (
        CheckConstraint(check_in("status", DIAGNOSIS_STATUSES), name="status"),
        # One diagnosis under way per enterprise at a time (a closed one may be followed by a new one).
        Index(
            "uq_diagnoses_open", "organization_id", unique=True, postgresql_where=text("status <> 'closed'")
        ),
        Index("ix_diagnoses_region", "region_code", "status", "created_at"),
    )

    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    # The enterprise's region when the diagnosis was opened: whose operators it belongs to.
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    status: Mapped[str] = mapped_column(String(20), default="planned")
    planned_at: Mapped[datetime]
    summary: Mapped[str] = mapped_column(Text, default="", server_default="")
    opened_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    visited_at: Mapped[datetime | None]
    plan_drafted_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    delivered_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    closed_at: Mapped[datetime | None]
    closed_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    version: Mapped[int] = mapped_column(default=1, server_default="1")


class DiagnosisVisit(UUIDPrimaryKey, Base):
    __tablename__ = "diagnosis_visits"

    diagnosis_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("diagnoses.id", ondelete="CASCADE"), index=True
    )
    visited_at: Mapped[datetime]
    # [{task_type, text}]: what was found, by the plan's task types.
    findings: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    recorded_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PlanItem(UUIDPrimaryKey, Base):
    """One recommendation of a 一对一技改方案."""

    __tablename__ = "plan_items"
    __table_args__ = (
        CheckConstraint(check_in("status", PLAN_ITEM_STATUSES), name="status"),
        CheckConstraint("quantity >= 1", name="quantity"),
        CheckConstraint("budget_min_cny >= 0 AND budget_max_cny >= budget_min_cny", name="budget"),
    )

    diagnosis_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("diagnoses.id", ondelete="CASCADE"), index=True
    )
    category_code: Mapped[str] = mapped_column(ForeignKey("equipment_categories.code"))
    task_type: Mapped[str] = mapped_column(ForeignKey("task_types.code"))
    quantity: Mapped[int] = mapped_column(default=1)
    budget_min_cny: Mapped[int] = mapped_column(BigInteger)
    budget_max_cny: Mapped[int] = mapped_column(BigInteger)
    expected_benefit: Mapped[str] = mapped_column(Text, default="", server_default="")
    energy_saving_pct: Mapped[float | None]
    efficiency_gain_pct: Mapped[float | None]
    status: Mapped[str] = mapped_column(String(10), default="proposed", server_default="proposed")
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decline_reason: Mapped[str | None] = mapped_column(Text)
    # Accepting the item makes a draft demand whose `plan_item_id` points here.
