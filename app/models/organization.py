"""Organizations (enterprise, supplier, provider, bank, admin) and their vetting history."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Timestamps, UUIDPrimaryKey, check_in, utcnow

ORGANIZATION_KINDS = ("enterprise", "supplier", "provider", "bank", "admin", "gov")
SPECIALIZED_LEVELS = ("none", "provincial", "national")
EMPLOYEES_BANDS = ("under_20", "20_299", "300_999", "1000_plus")
OUTPUT_BANDS = ("under_3m", "3m_20m", "20m_400m", "400m_plus")
VETTING_STATUSES = ("pending", "vetted", "rejected", "suspended")
PROVIDER_TYPES = ("solution_supplier", "design_institute", "engineering_firm")
VETTING_DECISIONS = ("approve", "reject", "suspend")


class Organization(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "organizations"
    __table_args__ = (
        CheckConstraint(check_in("kind", ORGANIZATION_KINDS), name="kind"),
        CheckConstraint(check_in("vetting_status", VETTING_STATUSES), name="vetting_status"),
        CheckConstraint(
            "provider_types <@ ARRAY['solution_supplier','design_institute','engineering_firm']",
            name="provider_types",
        ),
        CheckConstraint("kind IN ('admin', 'gov') OR uscc IS NOT NULL", name="uscc_required"),
        CheckConstraint(check_in("specialized_level", SPECIALIZED_LEVELS), name="specialized_level"),
        CheckConstraint(check_in("employees_band", EMPLOYEES_BANDS), name="employees_band"),
        CheckConstraint(check_in("output_band", OUTPUT_BANDS), name="output_band"),
        # One organization per 统一社会信用代码, except those rejected (a stale pending one is rejected when
        # its hold runs out, which frees the code for the real company).
        Index(
            "uq_organizations_uscc",
            "uscc",
            unique=True,
            postgresql_where=text("vetting_status <> 'rejected'"),
        ),
    )

    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20), index=True)
    uscc: Mapped[str | None] = mapped_column(String(18))
    region_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"), index=True)
    industry_code: Mapped[str | None] = mapped_column(ForeignKey("industries.code"))
    provider_types: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list, server_default="{}")
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    website: Mapped[str | None] = mapped_column(String(300))
    contact_name: Mapped[str | None] = mapped_column(String(100))
    contact_phone: Mapped[str | None] = mapped_column(String(40))
    contact_email: Mapped[str | None] = mapped_column(String(254))

    # The provider directory (名录): what a provider does, where, for whom, and what it has done.
    services: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list, server_default="{}")
    service_region_codes: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list, server_default="{}")
    industry_codes: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list, server_default="{}")
    qualifications: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list, server_default="[]")
    cases: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list, server_default="[]")

    vetting_status: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    vetting_note: Mapped[str | None] = mapped_column(Text)
    vetted_at: Mapped[datetime | None]
    vetted_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", use_alter=True, ondelete="SET NULL")
    )
    # A vetted organization's change of name or USCC waits here for an admin ({"name"?, "uscc"?}); until
    # then the organization keeps trading under the vetted ones.
    pending_change: Mapped[dict[str, Any] | None] = mapped_column(JSONB(none_as_null=True))
    pending_change_at: Mapped[datetime | None]
    # An enterprise's profile (规上, 专精特新, 高新技术企业, size bands, main products); an operator in its
    # region confirms it, and an edit by the enterprise after that asks for confirmation again.
    above_designated_size: Mapped[bool | None]
    specialized_level: Mapped[str] = mapped_column(String(12), default="none", server_default="none")
    high_tech: Mapped[bool | None]
    employees_band: Mapped[str | None] = mapped_column(String(12))
    output_band: Mapped[str | None] = mapped_column(String(12))
    main_products: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list, server_default="{}")
    profile_updated_at: Mapped[datetime | None]
    profile_confirmed_at: Mapped[datetime | None]
    profile_confirmed_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", use_alter=True, ondelete="SET NULL")
    )
    # Bumped on every change; the ETag is derived from it.
    version: Mapped[int] = mapped_column(default=1, server_default="1")


class VettingDecision(UUIDPrimaryKey, Base):
    """Every decision an admin made about an organization, with who made it: the audit trail."""

    __tablename__ = "vetting_decisions"
    __table_args__ = (CheckConstraint(check_in("decision", VETTING_DECISIONS), name="decision"),)

    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    decision: Mapped[str] = mapped_column(String(10))
    note: Mapped[str] = mapped_column(Text, default="")
    from_status: Mapped[str] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    # None: decided by the system (a pending organization's hold on its USCC ran out).
    decided_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)
