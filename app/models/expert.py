"""The 技改专家智库: experts (users of a government office or a provider), their reviews of 一对一技改方案,
and each region's service settings (the plan budget above which a review is required, the coverage target)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UUIDPrimaryKey, check_in, utcnow

REVIEW_STATUSES = ("requested", "answered")
VERDICTS = ("approve", "revise", "reject")


class Expert(UUIDPrimaryKey, Base):
    __tablename__ = "experts"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    fields: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list, server_default="{}")
    industry_codes: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list, server_default="{}")
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    active: Mapped[bool] = mapped_column(default=True, server_default="true")
    added_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ExpertReview(UUIDPrimaryKey, Base):
    __tablename__ = "expert_reviews"
    __table_args__ = (
        CheckConstraint(check_in("status", REVIEW_STATUSES), name="status"),
        CheckConstraint(check_in("verdict", VERDICTS), name="verdict"),
        CheckConstraint("(status = 'answered') = (verdict IS NOT NULL)", name="answered"),
        Index("ix_expert_reviews_diagnosis", "diagnosis_id", "requested_at"),
    )

    diagnosis_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("diagnoses.id", ondelete="CASCADE"))
    expert_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("experts.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(10), default="requested")
    requested_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    verdict: Mapped[str | None] = mapped_column(String(10))
    comments: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None]


class ServiceSetting(Base):
    """What the operators of a region set for it; a region without one takes its parent's."""

    __tablename__ = "service_settings"
    __table_args__ = (
        CheckConstraint("expert_review_threshold_cny >= 0", name="threshold"),
        CheckConstraint("coverage_target_pct BETWEEN 0 AND 100", name="coverage_target"),
    )

    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), primary_key=True)
    # A 方案 whose items' budgets (maximum) add up to this or more needs an expert's approval to deliver.
    expert_review_threshold_cny: Mapped[int | None] = mapped_column(BigInteger)
    # The share of 规上 enterprises to have diagnosed (the plan's 全覆盖 is 100).
    coverage_target_pct: Mapped[float | None]
    updated_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
