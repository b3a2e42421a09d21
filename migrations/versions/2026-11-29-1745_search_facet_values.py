"""search documents carry their facet fields apart

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 17:45:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The facet fields of each index at this revision (search/specs.py), for the backfill.
FACETS = {
    "demands": ["task_type", "industry_code", "region_code", "category_codes"],
    "products": ["category_code", "industry_codes", "region_codes", "made_in_sichuan", "energy_grade"],
    "providers": ["provider_types", "region_codes", "industry_codes"],
    "financing_products": ["financing_type", "task_types", "relending_eligible"],
}


def upgrade() -> None:
    op.add_column(
        "search_documents",
        sa.Column(
            "facet_values", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False
        ),
    )
    for index, keys in FACETS.items():
        op.execute(
            sa.text(
                "UPDATE search_documents SET facet_values = COALESCE((SELECT jsonb_object_agg(key, value) "
                "FROM jsonb_each(document) WHERE key = ANY(:keys)), '{}'::jsonb) WHERE index_name = :index"
            ).bindparams(keys=keys, index=index)
        )


def downgrade() -> None:
    op.drop_column("search_documents", "facet_values")
