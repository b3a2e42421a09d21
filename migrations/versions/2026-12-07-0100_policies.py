"""policies

Policy support as data: 奖补, 贴息, 税收, 再贷款 and 备案承诺制, each with its region, industries, task
types, rate or cap, validity and source (document, article), the conditions and benefit rule matching
reads, and a version (an operator's edit survives a re-seed). `python -m app seed` loads the plan's
programmes from seed/data/policies.json.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07 01:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "policies",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=60), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("summary", sa.Text(), server_default="", nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("industry_codes", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.Column("task_types", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.Column("support_form", sa.String(length=20), nullable=False),
        sa.Column("rate_pct", sa.Float(), nullable=True),
        sa.Column("cap_cny", sa.BigInteger(), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("source_document", sa.Text(), nullable=False),
        sa.Column("source_article", sa.Text(), server_default="", nullable=False),
        sa.Column("issued_by", sa.String(length=200), server_default="", nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=True),
        sa.Column("source_url", sa.String(length=500), nullable=True),
        sa.Column("basis", sa.String(length=12), server_default="regulation", nullable=False),
        sa.Column("conditions", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False),
        sa.Column("benefit", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("basis IN ('plan', 'regulation', 'estimate')", name=op.f("ck_policies_basis")),
        sa.CheckConstraint("cap_cny IS NULL OR cap_cny >= 0", name=op.f("ck_policies_cap")),
        sa.CheckConstraint("rate_pct IS NULL OR rate_pct BETWEEN 0 AND 100", name=op.f("ck_policies_rate")),
        sa.CheckConstraint(
            "support_form IN ('grant', 'interest_subsidy', 'tax', 'relending', 'procedure')",
            name=op.f("ck_policies_support_form"),
        ),
        sa.CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name=op.f("ck_policies_validity")),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_policies_created_by_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["region_code"], ["regions.code"], name=op.f("fk_policies_region_code_regions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policies")),
        sa.UniqueConstraint("code", name=op.f("uq_policies_code")),
    )
    op.create_index("ix_policies_region", "policies", ["region_code", "valid_from"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_policies_region", table_name="policies")
    op.drop_table("policies")
