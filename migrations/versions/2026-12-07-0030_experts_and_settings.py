"""experts and service settings

The 技改专家智库 (experts: users of government offices or providers), their reviews of 一对一技改方案,
and each region's service settings (the expert-review threshold, the coverage target).

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07 00:30:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "experts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("fields", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.Column("industry_codes", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("active", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("added_by_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["added_by_id"], ["users.id"], name=op.f("fk_experts_added_by_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["region_code"], ["regions.code"], name=op.f("fk_experts_region_code_regions")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_experts_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_experts")),
        sa.UniqueConstraint("user_id", name=op.f("uq_experts_user_id")),
    )
    op.create_table(
        "expert_reviews",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("diagnosis_id", sa.Uuid(), nullable=False),
        sa.Column("expert_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("requested_by_id", sa.Uuid(), nullable=True),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("verdict", sa.String(length=10), nullable=True),
        sa.Column("comments", sa.Text(), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "(status = 'answered') = (verdict IS NOT NULL)", name=op.f("ck_expert_reviews_answered")
        ),
        sa.CheckConstraint("status IN ('requested', 'answered')", name=op.f("ck_expert_reviews_status")),
        sa.CheckConstraint(
            "verdict IN ('approve', 'revise', 'reject')", name=op.f("ck_expert_reviews_verdict")
        ),
        sa.ForeignKeyConstraint(
            ["diagnosis_id"],
            ["diagnoses.id"],
            name=op.f("fk_expert_reviews_diagnosis_id_diagnoses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["expert_id"],
            ["experts.id"],
            name=op.f("fk_expert_reviews_expert_id_experts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["users.id"],
            name=op.f("fk_expert_reviews_requested_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_expert_reviews")),
    )
    op.create_index(
        "ix_expert_reviews_diagnosis", "expert_reviews", ["diagnosis_id", "requested_at"], unique=False
    )
    op.create_index(op.f("ix_expert_reviews_expert_id"), "expert_reviews", ["expert_id"], unique=False)
    op.create_table(
        "service_settings",
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("expert_review_threshold_cny", sa.BigInteger(), nullable=True),
        sa.Column("coverage_target_pct", sa.Float(), nullable=True),
        sa.Column("updated_by_id", sa.Uuid(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "coverage_target_pct BETWEEN 0 AND 100", name=op.f("ck_service_settings_coverage_target")
        ),
        sa.CheckConstraint("expert_review_threshold_cny >= 0", name=op.f("ck_service_settings_threshold")),
        sa.ForeignKeyConstraint(
            ["region_code"], ["regions.code"], name=op.f("fk_service_settings_region_code_regions")
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["users.id"],
            name=op.f("fk_service_settings_updated_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("region_code", name=op.f("pk_service_settings")),
    )


def downgrade() -> None:
    op.drop_table("service_settings")
    op.drop_index(op.f("ix_expert_reviews_expert_id"), table_name="expert_reviews")
    op.drop_index("ix_expert_reviews_diagnosis", table_name="expert_reviews")
    op.drop_table("expert_reviews")
    op.drop_table("experts")
