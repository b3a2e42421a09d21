"""attachments

What each stored file is (type by its bytes, size, SHA-256), whose, which parent it belongs to, and
where its bytes (and an image's thumbnail) are kept.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04 22:30:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PARENTS = "'demand', 'product', 'quote', 'organization', 'conversation'"
PURPOSES = (
    "'photo', 'spec_sheet', 'drawing', 'renewal_plan', 'quote_document', 'qualification_certificate', "
    "'message', 'other'"
)


def upgrade() -> None:
    op.create_table(
        "attachments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("parent_type", sa.String(length=20), nullable=False),
        sa.Column("parent_id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("uploaded_by_id", sa.Uuid(), nullable=True),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("purpose", sa.String(length=40), nullable=False),
        sa.Column("storage_key", sa.String(length=300), nullable=False),
        sa.Column("thumbnail_key", sa.String(length=300), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(f"parent_type IN ({PARENTS})", name=op.f("ck_attachments_parent_type")),
        sa.CheckConstraint(f"purpose IN ({PURPOSES})", name=op.f("ck_attachments_purpose")),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_attachments_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"],
            ["users.id"],
            name=op.f("fk_attachments_uploaded_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachments")),
    )
    op.create_index(
        "ix_attachments_parent", "attachments", ["parent_type", "parent_id", "created_at"], unique=False
    )
    op.create_index(op.f("ix_attachments_organization_id"), "attachments", ["organization_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_attachments_organization_id"), table_name="attachments")
    op.drop_index("ix_attachments_parent", table_name="attachments")
    op.drop_table("attachments")
