"""foundation

Revision ID: 0001
Revises:
Create Date: 2026-11-29 15:57:38.390664+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "equipment_categories",
        sa.Column("code", sa.String(length=80), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("parent_code", sa.String(length=80), nullable=True),
        sa.Column("task_types", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.Column("aliases", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.Column("industry_codes", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.ForeignKeyConstraint(
            ["parent_code"],
            ["equipment_categories.code"],
            name=op.f("fk_equipment_categories_parent_code_equipment_categories"),
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_equipment_categories")),
    )
    op.create_index(
        op.f("ix_equipment_categories_parent_code"), "equipment_categories", ["parent_code"], unique=False
    )
    op.create_table(
        "financing_types",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_financing_types")),
    )
    op.create_table(
        "industries",
        sa.Column("code", sa.String(length=8), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("parent_code", sa.String(length=8), nullable=True),
        sa.Column("sector", sa.String(length=20), nullable=True),
        sa.Column("plan_terms", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.ForeignKeyConstraint(
            ["parent_code"], ["industries.code"], name=op.f("fk_industries_parent_code_industries")
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_industries")),
    )
    op.create_index(op.f("ix_industries_parent_code"), "industries", ["parent_code"], unique=False)
    op.create_table(
        "rate_limit_buckets",
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("window_ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_rate_limit_buckets")),
    )
    op.create_table(
        "regions",
        sa.Column("code", sa.String(length=6), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_regions")),
    )
    op.create_table(
        "task_types",
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_task_types")),
    )
    op.create_table(
        "organizations",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=True),
        sa.Column("region_code", sa.String(length=6), nullable=True),
        sa.Column("industry_code", sa.String(length=8), nullable=True),
        sa.Column("provider_types", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("website", sa.String(length=300), nullable=True),
        sa.Column("contact_name", sa.String(length=100), nullable=True),
        sa.Column("contact_phone", sa.String(length=40), nullable=True),
        sa.Column("contact_email", sa.String(length=254), nullable=True),
        sa.Column("vetting_status", sa.String(length=20), nullable=False),
        sa.Column("vetting_note", sa.Text(), nullable=True),
        sa.Column("vetted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("vetted_by_id", sa.Uuid(), nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("kind = 'admin' OR uscc IS NOT NULL", name=op.f("ck_organizations_uscc_required")),
        sa.CheckConstraint(
            "kind IN ('enterprise', 'supplier', 'provider', 'bank', 'admin')",
            name=op.f("ck_organizations_kind"),
        ),
        sa.CheckConstraint(
            "provider_types <@ ARRAY['solution_supplier','design_institute','engineering_firm']",
            name=op.f("ck_organizations_provider_types"),
        ),
        sa.CheckConstraint(
            "vetting_status IN ('pending', 'vetted', 'rejected', 'suspended')",
            name=op.f("ck_organizations_vetting_status"),
        ),
        sa.ForeignKeyConstraint(
            ["industry_code"], ["industries.code"], name=op.f("fk_organizations_industry_code_industries")
        ),
        sa.ForeignKeyConstraint(
            ["region_code"], ["regions.code"], name=op.f("fk_organizations_region_code_regions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organizations")),
        sa.UniqueConstraint("uscc", name=op.f("uq_organizations_uscc")),
    )
    op.create_index(op.f("ix_organizations_kind"), "organizations", ["kind"], unique=False)
    op.create_index(op.f("ix_organizations_region_code"), "organizations", ["region_code"], unique=False)
    op.create_index(
        op.f("ix_organizations_vetting_status"), "organizations", ["vetting_status"], unique=False
    )
    op.create_table(
        "users",
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("is_active", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_users_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )
    op.create_index(op.f("ix_users_organization_id"), "users", ["organization_id"], unique=False)
    # organizations <-> users is a cycle, so this key is added once both tables exist.
    op.create_foreign_key(
        op.f("fk_organizations_vetted_by_id_users"),
        "organizations",
        "users",
        ["vetted_by_id"],
        ["id"],
        ondelete="SET NULL",
    )
    op.create_table(
        "auth_sessions",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_reason", sa.String(length=40), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_auth_sessions_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_sessions")),
    )
    op.create_index(op.f("ix_auth_sessions_user_id"), "auth_sessions", ["user_id"], unique=False)
    op.create_table(
        "vetting_decisions",
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("decision", sa.String(length=10), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("from_status", sa.String(length=20), nullable=False),
        sa.Column("to_status", sa.String(length=20), nullable=False),
        sa.Column("decided_by_id", sa.Uuid(), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "decision IN ('approve', 'reject', 'suspend')", name=op.f("ck_vetting_decisions_decision")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name=op.f("fk_vetting_decisions_decided_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_vetting_decisions_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vetting_decisions")),
    )
    op.create_index(
        op.f("ix_vetting_decisions_organization_id"), "vetting_decisions", ["organization_id"], unique=False
    )
    op.create_table(
        "refresh_tokens",
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["auth_sessions.id"],
            name=op.f("fk_refresh_tokens_session_id_auth_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refresh_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_refresh_tokens_token_hash")),
    )
    op.create_index(op.f("ix_refresh_tokens_session_id"), "refresh_tokens", ["session_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_refresh_tokens_session_id"), table_name="refresh_tokens")
    op.drop_table("refresh_tokens")
    op.drop_index(op.f("ix_vetting_decisions_organization_id"), table_name="vetting_decisions")
    op.drop_table("vetting_decisions")
    op.drop_index(op.f("ix_auth_sessions_user_id"), table_name="auth_sessions")
    op.drop_table("auth_sessions")
    op.drop_constraint(op.f("fk_organizations_vetted_by_id_users"), "organizations", type_="foreignkey")
    op.drop_index(op.f("ix_users_organization_id"), table_name="users")
    op.drop_table("users")
    op.drop_index(op.f("ix_organizations_vetting_status"), table_name="organizations")
    op.drop_index(op.f("ix_organizations_region_code"), table_name="organizations")
    op.drop_index(op.f("ix_organizations_kind"), table_name="organizations")
    op.drop_table("organizations")
    op.drop_table("task_types")
    op.drop_table("regions")
    op.drop_table("rate_limit_buckets")
    op.drop_index(op.f("ix_industries_parent_code"), table_name="industries")
    op.drop_table("industries")
    op.drop_table("financing_types")
    op.drop_index(op.f("ix_equipment_categories_parent_code"), table_name="equipment_categories")
    op.drop_table("equipment_categories")
