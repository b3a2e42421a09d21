"""Policy support as data (奖补, 贴息, 税收 and the plan's other support), managed by province and 市州
operators, seeded from the plan and the regulations it cites; and enterprises' applications (申报)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Timestamps, UUIDPrimaryKey, check_in, utcnow

SUPPORT_FORMS = ("grant", "interest_subsidy", "tax", "relending", "procedure")
BASES = ("plan", "regulation", "estimate")


class Policy(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "policies"
    __table_args__ = (
        CheckConstraint(check_in("support_form", SUPPORT_FORMS), name="support_form"),
        CheckConstraint(check_in("basis", BASES), name="basis"),
        CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="validity"),
        CheckConstraint("rate_pct IS NULL OR rate_pct BETWEEN 0 AND 100", name="rate"),
        CheckConstraint("cap_cny IS NULL OR cap_cny >= 0", name="cap"),
        Index("ix_policies_region", "region_code", "valid_from"),
    )

    # A stable key for the seeded policies (the plan's); operators' own have none.
    code: Mapped[str | None] = mapped_column(String(60), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="", server_default="")
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    industry_codes: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list, server_default="{}")
    task_types: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list, server_default="{}")
    support_form: Mapped[str] = mapped_column(String(20))
    rate_pct: Mapped[float | None]
    cap_cny: Mapped[int | None] = mapped_column(BigInteger)
    valid_from: Mapped[date]
    valid_to: Mapped[date | None]
    source_document: Mapped[str] = mapped_column(Text)
    source_article: Mapped[str] = mapped_column(Text, default="", server_default="")
    issued_by: Mapped[str] = mapped_column(String(200), default="", server_default="")
    issued_on: Mapped[date | None]
    source_url: Mapped[str | None] = mapped_column(String(500))
    basis: Mapped[str] = mapped_column(String(12), default="regulation", server_default="regulation")
    # What matching checks and how it estimates the benefit (app/matching/policies.py).
    conditions: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict, server_default="{}")
    benefit: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict, server_default="{}")
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    version: Mapped[int] = mapped_column(default=1, server_default="1")


APPLICATION_STATUSES = ("submitted", "accepted", "reviewed", "publicized", "granted", "rejected")


class PolicyApplication(UUIDPrimaryKey, Timestamps, Base):
    """An enterprise's 申报 for a policy with a contracted demand, moved stage by stage by operators."""

    __tablename__ = "policy_applications"
    __table_args__ = (
        CheckConstraint(check_in("status", APPLICATION_STATUSES), name="status"),
        CheckConstraint("granted_cny IS NULL OR granted_cny >= 0", name="granted"),
        # One live application per policy and demand (a rejected one may be followed by another).
        Index(
            "uq_policy_applications_live",
            "policy_id",
            "demand_id",
            unique=True,
            postgresql_where=text("status <> 'rejected'"),
        ),
        Index("ix_policy_applications_region", "region_code", "status", "created_at"),
    )

    policy_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("policies.id", ondelete="CASCADE"))
    demand_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("demands.id", ondelete="CASCADE"))
    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    # The demand's region: whose operators handle the application.
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    status: Mapped[str] = mapped_column(String(12), default="submitted")
    granted_cny: Mapped[int | None] = mapped_column(BigInteger)
    submitted_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    version: Mapped[int] = mapped_column(default=1, server_default="1")


class ApplicationStep(UUIDPrimaryKey, Base):
    """Each move of an application: from, to, the note, who and when."""

    __tablename__ = "policy_application_steps"

    application_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("policy_applications.id", ondelete="CASCADE"), index=True
    )
    from_status: Mapped[str | None] = mapped_column(String(12))
    to_status: Mapped[str] = mapped_column(String(12))
    note: Mapped[str] = mapped_column(Text, default="", server_default="")
    actor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
