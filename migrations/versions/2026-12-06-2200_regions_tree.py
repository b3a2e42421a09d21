"""regions tree

Sichuan's county-level divisions below the 市州: `regions` gains `level` (province | city | county),
`parent_code` and `pilot_year` (试点县). A demand in a 区县 counts in its 市州's statistics.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 22:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FACTS_BY_CITY = """
CREATE OR REPLACE FUNCTION stats_facts_of(ids uuid[]) RETURNS SETOF demand_facts LANGUAGE sql STABLE AS $$
    -- Mirrors the overview's definitions: a contracted demand later closed is a deal that fell through;
    -- matched means contracted, quoted (a quote not withdrawn) or shortlisted (the latest action on a match).
    SELECT d.id,
           (d.published_at AT TIME ZONE 'Asia/Shanghai')::date,
           to_char(d.published_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM'),
           -- A demand in a 区县 counts in its 市州 (the overview and the dashboard are by 市州).
           coalesce((SELECT r.parent_code FROM regions r WHERE r.code = d.region_code AND r.level = 'county'),
                    d.region_code),
           d.status, d.industry_code, d.task_type,
           to_char(d.contracted_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM'),
           d.budget_max_cny,
           d.contracted_at IS NOT NULL
             OR EXISTS (SELECT 1 FROM quotes q WHERE q.demand_id = d.id AND q.status <> 'withdrawn')
             OR EXISTS (
                 SELECT 1 FROM match_feedback f
                 WHERE f.demand_id = d.id AND f.action = 'shortlist'
                   AND NOT EXISTS (
                       SELECT 1 FROM match_feedback l
                       WHERE l.demand_id = f.demand_id AND l.kind = f.kind AND l.target_id = f.target_id
                         AND l.created_at > f.created_at)),
           d.contracted_at IS NOT NULL AND d.status <> 'closed',
           coalesce(d.contracted_amount_cny, 0),
           EXISTS (SELECT 1 FROM leads x WHERE x.demand_id = d.id AND x.status = 'approved'),
           coalesce(d.financing_amount_cny, 0),
           d.old_equipment_below_baseline,
           d.old_equipment_below_baseline AND d.contracted_at IS NOT NULL AND d.status <> 'closed'
    FROM demands d
    WHERE d.id = ANY(ids) AND d.published_at IS NOT NULL
$$
"""

FACTS_AS_BEFORE = """
CREATE OR REPLACE FUNCTION stats_facts_of(ids uuid[]) RETURNS SETOF demand_facts LANGUAGE sql STABLE AS $$
    -- Mirrors the overview's definitions: a contracted demand later closed is a deal that fell through;
    -- matched means contracted, quoted (a quote not withdrawn) or shortlisted (the latest action on a match).
    SELECT d.id,
           (d.published_at AT TIME ZONE 'Asia/Shanghai')::date,
           to_char(d.published_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM'),
           d.region_code, d.status, d.industry_code, d.task_type,
           to_char(d.contracted_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM'),
           d.budget_max_cny,
           d.contracted_at IS NOT NULL
             OR EXISTS (SELECT 1 FROM quotes q WHERE q.demand_id = d.id AND q.status <> 'withdrawn')
             OR EXISTS (
                 SELECT 1 FROM match_feedback f
                 WHERE f.demand_id = d.id AND f.action = 'shortlist'
                   AND NOT EXISTS (
                       SELECT 1 FROM match_feedback l
                       WHERE l.demand_id = f.demand_id AND l.kind = f.kind AND l.target_id = f.target_id
                         AND l.created_at > f.created_at)),
           d.contracted_at IS NOT NULL AND d.status <> 'closed',
           coalesce(d.contracted_amount_cny, 0),
           EXISTS (SELECT 1 FROM leads x WHERE x.demand_id = d.id AND x.status = 'approved'),
           coalesce(d.financing_amount_cny, 0),
           d.old_equipment_below_baseline,
           d.old_equipment_below_baseline AND d.contracted_at IS NOT NULL AND d.status <> 'closed'
    FROM demands d
    WHERE d.id = ANY(ids) AND d.published_at IS NOT NULL
$$
"""


def upgrade() -> None:
    op.add_column("regions", sa.Column("level", sa.String(length=10), server_default="city", nullable=False))
    op.add_column("regions", sa.Column("parent_code", sa.String(length=6), nullable=True))
    op.add_column("regions", sa.Column("pilot_year", sa.Integer(), nullable=True))
    op.create_check_constraint(op.f("ck_regions_level"), "regions", "level IN ('province', 'city', 'county')")
    op.create_foreign_key(
        op.f("fk_regions_parent_code_regions"), "regions", "regions", ["parent_code"], ["code"]
    )
    op.create_index(op.f("ix_regions_parent_code"), "regions", ["parent_code"], unique=False)
    op.execute(FACTS_BY_CITY)


def downgrade() -> None:
    op.execute(FACTS_AS_BEFORE)
    op.drop_index(op.f("ix_regions_parent_code"), table_name="regions")
    op.drop_constraint(op.f("fk_regions_parent_code_regions"), "regions", type_="foreignkey")
    op.drop_constraint(op.f("ck_regions_level"), "regions", type_="check")
    op.drop_column("regions", "pilot_year")
    op.drop_column("regions", "parent_code")
    op.drop_column("regions", "level")
