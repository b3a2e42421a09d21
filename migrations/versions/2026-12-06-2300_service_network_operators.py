"""service network: operators, audit log, enterprise profile

`gov` organizations whose members are 服务专员 (users.operator_level, users.operator_region_code); the
audit log records every admin or operator write (before, after, region; `subject_id` becomes text so a
region's code can be named); an enterprise's profile (规上, 专精特新, 高新技术企业, size bands, products,
confirmed by an operator).

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 23:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS = "kind IN ('enterprise', 'supplier', 'provider', 'bank', 'admin', 'gov')"
KINDS_BEFORE = "kind IN ('enterprise', 'supplier', 'provider', 'bank', 'admin')"


def upgrade() -> None:
    op.add_column("users", sa.Column("operator_level", sa.String(length=10), nullable=True))
    op.add_column("users", sa.Column("operator_region_code", sa.String(length=6), nullable=True))
    op.create_foreign_key(
        op.f("fk_users_operator_region_code_regions"), "users", "regions", ["operator_region_code"], ["code"]
    )
    op.create_check_constraint(
        op.f("ck_users_operator_level"), "users", "operator_level IN ('province', 'city', 'county')"
    )
    op.create_check_constraint(
        op.f("ck_users_operator_region"),
        "users",
        "(operator_level IS NULL) = (operator_region_code IS NULL)",
    )

    op.drop_constraint(op.f("ck_organizations_kind"), "organizations", type_="check")
    op.create_check_constraint(op.f("ck_organizations_kind"), "organizations", KINDS)
    op.drop_constraint(op.f("ck_organizations_uscc_required"), "organizations", type_="check")
    op.create_check_constraint(
        op.f("ck_organizations_uscc_required"),
        "organizations",
        "kind IN ('admin', 'gov') OR uscc IS NOT NULL",
    )
    op.add_column("organizations", sa.Column("above_designated_size", sa.Boolean(), nullable=True))
    op.add_column(
        "organizations",
        sa.Column("specialized_level", sa.String(length=12), server_default="none", nullable=False),
    )
    op.add_column("organizations", sa.Column("high_tech", sa.Boolean(), nullable=True))
    op.add_column("organizations", sa.Column("employees_band", sa.String(length=12), nullable=True))
    op.add_column("organizations", sa.Column("output_band", sa.String(length=12), nullable=True))
    op.add_column(
        "organizations",
        sa.Column("main_products", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
    )
    op.add_column("organizations", sa.Column("profile_updated_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column(
        "organizations", sa.Column("profile_confirmed_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column("organizations", sa.Column("profile_confirmed_by_id", sa.Uuid(), nullable=True))
    op.create_foreign_key(
        op.f("fk_organizations_profile_confirmed_by_id_users"),
        "organizations",
        "users",
        ["profile_confirmed_by_id"],
        ["id"],
        ondelete="SET NULL",
    )
    op.create_check_constraint(
        op.f("ck_organizations_specialized_level"),
        "organizations",
        "specialized_level IN ('none', 'provincial', 'national')",
    )
    op.create_check_constraint(
        op.f("ck_organizations_employees_band"),
        "organizations",
        "employees_band IN ('under_20', '20_299', '300_999', '1000_plus')",
    )
    op.create_check_constraint(
        op.f("ck_organizations_output_band"),
        "organizations",
        "output_band IN ('under_3m', '3m_20m', '20m_400m', '400m_plus')",
    )

    op.alter_column(
        "audit_events",
        "subject_id",
        type_=sa.String(length=64),
        existing_nullable=False,
        postgresql_using="subject_id::text",
    )
    op.alter_column("audit_events", "action", type_=sa.String(length=60), existing_nullable=False)
    op.alter_column("audit_events", "reason", server_default="", existing_nullable=False)
    op.add_column("audit_events", sa.Column("before", postgresql.JSONB(astext_type=sa.Text()), nullable=True))
    op.add_column("audit_events", sa.Column("after", postgresql.JSONB(astext_type=sa.Text()), nullable=True))
    op.add_column("audit_events", sa.Column("region_code", sa.String(length=6), nullable=True))
    op.create_index("ix_audit_events_actor", "audit_events", ["actor_user_id", "created_at"], unique=False)
    op.create_index("ix_audit_events_region", "audit_events", ["region_code", "created_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_audit_events_region", table_name="audit_events")
    op.drop_index("ix_audit_events_actor", table_name="audit_events")
    op.drop_column("audit_events", "region_code")
    op.drop_column("audit_events", "after")
    op.drop_column("audit_events", "before")
    op.alter_column("audit_events", "reason", server_default=None, existing_nullable=False)
    op.execute("DELETE FROM audit_events WHERE subject_id !~ '^[0-9a-f-]{36}$'")
    op.alter_column("audit_events", "action", type_=sa.String(length=40), existing_nullable=False)
    op.alter_column(
        "audit_events",
        "subject_id",
        type_=sa.Uuid(),
        existing_nullable=False,
        postgresql_using="subject_id::uuid",
    )

    op.drop_constraint(op.f("ck_organizations_output_band"), "organizations", type_="check")
    op.drop_constraint(op.f("ck_organizations_employees_band"), "organizations", type_="check")
    op.drop_constraint(op.f("ck_organizations_specialized_level"), "organizations", type_="check")
    op.drop_constraint(
        op.f("fk_organizations_profile_confirmed_by_id_users"), "organizations", type_="foreignkey"
    )
    for column in (
        "profile_confirmed_by_id",
        "profile_confirmed_at",
        "profile_updated_at",
        "main_products",
        "output_band",
        "employees_band",
        "high_tech",
        "specialized_level",
        "above_designated_size",
    ):
        op.drop_column("organizations", column)
    op.execute("DELETE FROM organizations WHERE kind = 'gov'")
    op.drop_constraint(op.f("ck_organizations_uscc_required"), "organizations", type_="check")
    op.create_check_constraint(
        op.f("ck_organizations_uscc_required"), "organizations", "kind = 'admin' OR uscc IS NOT NULL"
    )
    op.drop_constraint(op.f("ck_organizations_kind"), "organizations", type_="check")
    op.create_check_constraint(op.f("ck_organizations_kind"), "organizations", KINDS_BEFORE)

    op.drop_constraint(op.f("ck_users_operator_region"), "users", type_="check")
    op.drop_constraint(op.f("ck_users_operator_level"), "users", type_="check")
    op.drop_constraint(op.f("fk_users_operator_region_code_regions"), "users", type_="foreignkey")
    op.drop_column("users", "operator_region_code")
    op.drop_column("users", "operator_level")
