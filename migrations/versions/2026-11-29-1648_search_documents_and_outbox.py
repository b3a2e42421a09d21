"""search documents and outbox

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 16:48:35.461140+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "search_outbox",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("index_name", sa.String(length=40), nullable=False),
        sa.Column("doc_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("available_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("locked_by", sa.String(length=100), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("dead_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_outbox")),
    )
    op.create_index(
        "ix_search_outbox_ready",
        "search_outbox",
        ["available_at", "id"],
        unique=False,
        postgresql_where=sa.text("dead_at IS NULL"),
    )
    op.create_table(
        "search_documents",
        sa.Column("index_name", sa.String(length=40), nullable=False),
        sa.Column("doc_id", sa.UUID(), nullable=False),
        sa.Column("document", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("tsv", postgresql.TSVECTOR(), nullable=False),
        sa.Column("sort_ts", sa.BigInteger(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("index_name", "doc_id", name=op.f("pk_search_documents")),
    )
    op.create_index(
        "ix_search_documents_document",
        "search_documents",
        ["document"],
        unique=False,
        postgresql_using="gin",
        postgresql_ops={"document": "jsonb_path_ops"},
    )
    op.create_index(
        "ix_search_documents_recent", "search_documents", ["index_name", "sort_ts", "doc_id"], unique=False
    )
    op.create_index(
        "ix_search_documents_tsv", "search_documents", ["tsv"], unique=False, postgresql_using="gin"
    )


def downgrade() -> None:

    op.drop_index("ix_search_documents_tsv", table_name="search_documents", postgresql_using="gin")
    op.drop_index("ix_search_documents_recent", table_name="search_documents")
    op.drop_index(
        "ix_search_documents_document",
        table_name="search_documents",
        postgresql_using="gin",
        postgresql_ops={"document": "jsonb_path_ops"},
    )
    op.drop_table("search_documents")
    op.drop_index(
        "ix_search_outbox_ready", table_name="search_outbox", postgresql_where=sa.text("dead_at IS NULL")
    )
    op.drop_table("search_outbox")
