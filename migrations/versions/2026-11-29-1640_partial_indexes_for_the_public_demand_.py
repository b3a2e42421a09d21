"""partial indexes for the public demand list

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 16:40:27.865806+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_index(
        "ix_demands_published_by_industry",
        "demands",
        ["industry_code", "published_at", "id"],
        unique=False,
        postgresql_where=sa.text("status = 'published'"),
    )
    op.create_index(
        "ix_demands_published_by_region",
        "demands",
        ["region_code", "published_at", "id"],
        unique=False,
        postgresql_where=sa.text("status = 'published'"),
    )
    op.create_index(
        "ix_demands_published_by_task",
        "demands",
        ["task_type", "published_at", "id"],
        unique=False,
        postgresql_where=sa.text("status = 'published'"),
    )


def downgrade() -> None:

    op.drop_index(
        "ix_demands_published_by_task", table_name="demands", postgresql_where=sa.text("status = 'published'")
    )
    op.drop_index(
        "ix_demands_published_by_region",
        table_name="demands",
        postgresql_where=sa.text("status = 'published'"),
    )
    op.drop_index(
        "ix_demands_published_by_industry",
        table_name="demands",
        postgresql_where=sa.text("status = 'published'"),
    )
