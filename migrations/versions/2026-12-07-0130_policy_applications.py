"""policy applications

申报: an enterprise's application for a policy with a contracted demand (one live per policy and
demand), and each stage it moved through with the note, actor and time.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07 01:30:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "policy_applications",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("policy_id", sa.Uuid(), nullable=False),
        sa.Column("demand_id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("granted_cny", sa.BigInteger(), nullable=True),
        sa.Column("submitted_by_id", sa.Uuid(), nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "granted_cny IS NULL OR granted_cny >= 0", name=op.f("ck_policy_applications_granted")
        ),
        sa.CheckConstraint(
            "status IN ('submitted', 'accepted', 'reviewed', 'publicized', 'granted', 'rejected')",
            name=op.f("ck_policy_applications_status"),
        ),
        sa.ForeignKeyConstraint(
            ["demand_id"],
            ["demands.id"],
            name=op.f("fk_policy_applications_demand_id_demands"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_policy_applications_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["policy_id"],
            ["policies.id"],
            name=op.f("fk_policy_applications_policy_id_policies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["region_code"], ["regions.code"], name=op.f("fk_policy_applications_region_code_regions")
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by_id"],
            ["users.id"],
            name=op.f("fk_policy_applications_submitted_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policy_applications")),
    )
    op.create_index(
        op.f("ix_policy_applications_organization_id"),
        "policy_applications",
        ["organization_id"],
        unique=False,
    )
    op.create_index(
        "ix_policy_applications_region",
        "policy_applications",
        ["region_code", "status", "created_at"],
        unique=False,
    )
    op.create_index(
        "uq_policy_applications_live",
        "policy_applications",
        ["policy_id", "demand_id"],
        unique=True,
        postgresql_where=sa.text("status <> 'rejected'"),
    )
    op.create_table(
        "policy_application_steps",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("application_id", sa.Uuid(), nullable=False),
        sa.Column("from_status", sa.String(length=12), nullable=True),
        sa.Column("to_status", sa.String(length=12), nullable=False),
        sa.Column("note", sa.Text(), server_default="", nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_policy_application_steps_actor_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["policy_applications.id"],
            name=op.f("fk_policy_application_steps_application_id_policy_applications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policy_application_steps")),
    )
    op.create_index(
        op.f("ix_policy_application_steps_application_id"),
        "policy_application_steps",
        ["application_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_policy_application_steps_application_id"), table_name="policy_application_steps")
    op.drop_table("policy_application_steps")
    op.drop_index(
        "uq_policy_applications_live",
        table_name="policy_applications",
        postgresql_where=sa.text("status <> 'rejected'"),
    )
    op.drop_index("ix_policy_applications_region", table_name="policy_applications")
    op.drop_index(op.f("ix_policy_applications_organization_id"), table_name="policy_applications")
    op.drop_table("policy_applications")
