"""equipment inventory

An enterprise's 设备台账: one row per kind of equipment it runs (category, model, maker, year in service,
count, energy grade, original value), what it reports (below the energy baseline, listed in an
elimination catalogue), and who recorded it.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06 23:30:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "equipment_items",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("category_code", sa.String(length=80), nullable=False),
        sa.Column("model", sa.String(length=100), nullable=False),
        sa.Column("maker", sa.String(length=100), nullable=False),
        sa.Column("in_service_year", sa.SmallInteger(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("energy_grade", sa.SmallInteger(), nullable=True),
        sa.Column("original_value_cny", sa.BigInteger(), nullable=True),
        sa.Column("below_energy_baseline", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("elimination_catalogue", sa.String(length=40), nullable=True),
        sa.Column("elimination_entry", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), server_default="", nullable=False),
        sa.Column("recorded_by_id", sa.Uuid(), nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("count >= 1", name=op.f("ck_equipment_items_count")),
        sa.CheckConstraint("energy_grade BETWEEN 1 AND 5", name=op.f("ck_equipment_items_energy_grade")),
        sa.CheckConstraint("original_value_cny >= 0", name=op.f("ck_equipment_items_original_value")),
        sa.CheckConstraint(
            "elimination_catalogue IN ('industrial_structure_2024', 'energy_inefficient_electromechanical', "
            "'hazardous_chemicals_process', 'safety_backward_equipment')",
            name=op.f("ck_equipment_items_elimination_catalogue"),
        ),
        sa.ForeignKeyConstraint(
            ["category_code"],
            ["equipment_categories.code"],
            name=op.f("fk_equipment_items_category_code_equipment_categories"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_equipment_items_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_equipment_items_recorded_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_equipment_items")),
    )
    op.create_index(
        "ix_equipment_items_organization",
        "equipment_items",
        ["organization_id", "created_at", "id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_equipment_items_organization", table_name="equipment_items")
    op.drop_table("equipment_items")
