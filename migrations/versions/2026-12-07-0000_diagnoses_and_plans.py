"""diagnoses and plans

全川行 diagnoses (one under way per enterprise), their visits with findings, the 一对一技改方案's items,
and `demands.plan_item_id`: the item a draft demand was made from.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 00:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "diagnoses",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("planned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("summary", sa.Text(), server_default="", nullable=False),
        sa.Column("opened_by_id", sa.Uuid(), nullable=True),
        sa.Column("visited_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("plan_drafted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("delivered_by_id", sa.Uuid(), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by_id", sa.Uuid(), nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "status IN ('planned', 'visited', 'plan_drafted', 'delivered', 'closed')",
            name=op.f("ck_diagnoses_status"),
        ),
        sa.ForeignKeyConstraint(
            ["closed_by_id"], ["users.id"], name=op.f("fk_diagnoses_closed_by_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["delivered_by_id"],
            ["users.id"],
            name=op.f("fk_diagnoses_delivered_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["opened_by_id"], ["users.id"], name=op.f("fk_diagnoses_opened_by_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_diagnoses_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["region_code"], ["regions.code"], name=op.f("fk_diagnoses_region_code_regions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_diagnoses")),
    )
    op.create_index("ix_diagnoses_region", "diagnoses", ["region_code", "status", "created_at"], unique=False)
    op.create_index(
        "uq_diagnoses_open",
        "diagnoses",
        ["organization_id"],
        unique=True,
        postgresql_where=sa.text("status <> 'closed'"),
    )
    op.create_table(
        "diagnosis_visits",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("diagnosis_id", sa.Uuid(), nullable=False),
        sa.Column("visited_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("findings", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("recorded_by_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["diagnosis_id"],
            ["diagnoses.id"],
            name=op.f("fk_diagnosis_visits_diagnosis_id_diagnoses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_diagnosis_visits_recorded_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_diagnosis_visits")),
    )
    op.create_index(
        op.f("ix_diagnosis_visits_diagnosis_id"), "diagnosis_visits", ["diagnosis_id"], unique=False
    )
    op.create_table(
        "plan_items",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("diagnosis_id", sa.Uuid(), nullable=False),
        sa.Column("category_code", sa.String(length=80), nullable=False),
        sa.Column("task_type", sa.String(length=20), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("budget_min_cny", sa.BigInteger(), nullable=False),
        sa.Column("budget_max_cny", sa.BigInteger(), nullable=False),
        sa.Column("expected_benefit", sa.Text(), server_default="", nullable=False),
        sa.Column("energy_saving_pct", sa.Float(), nullable=True),
        sa.Column("efficiency_gain_pct", sa.Float(), nullable=True),
        sa.Column("status", sa.String(length=10), server_default="proposed", nullable=False),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Uuid(), nullable=True),
        sa.Column("decline_reason", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "budget_min_cny >= 0 AND budget_max_cny >= budget_min_cny", name=op.f("ck_plan_items_budget")
        ),
        sa.CheckConstraint("quantity >= 1", name=op.f("ck_plan_items_quantity")),
        sa.CheckConstraint(
            "status IN ('proposed', 'accepted', 'declined')", name=op.f("ck_plan_items_status")
        ),
        sa.ForeignKeyConstraint(
            ["category_code"],
            ["equipment_categories.code"],
            name=op.f("fk_plan_items_category_code_equipment_categories"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_plan_items_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["users.id"],
            name=op.f("fk_plan_items_decided_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["diagnosis_id"],
            ["diagnoses.id"],
            name=op.f("fk_plan_items_diagnosis_id_diagnoses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["task_type"], ["task_types.code"], name=op.f("fk_plan_items_task_type_task_types")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_items")),
    )
    op.create_index(op.f("ix_plan_items_diagnosis_id"), "plan_items", ["diagnosis_id"], unique=False)
    op.add_column("demands", sa.Column("plan_item_id", sa.Uuid(), nullable=True))
    op.create_foreign_key(
        op.f("fk_demands_plan_item_id_plan_items"),
        "demands",
        "plan_items",
        ["plan_item_id"],
        ["id"],
        ondelete="SET NULL",
    )
    op.create_unique_constraint(op.f("uq_demands_plan_item_id"), "demands", ["plan_item_id"])


def downgrade() -> None:
    op.drop_constraint(op.f("uq_demands_plan_item_id"), "demands", type_="unique")
    op.drop_constraint(op.f("fk_demands_plan_item_id_plan_items"), "demands", type_="foreignkey")
    op.drop_column("demands", "plan_item_id")
    op.drop_index(op.f("ix_plan_items_diagnosis_id"), table_name="plan_items")
    op.drop_table("plan_items")
    op.drop_index(op.f("ix_diagnosis_visits_diagnosis_id"), table_name="diagnosis_visits")
    op.drop_table("diagnosis_visits")
    op.drop_index("uq_diagnoses_open", table_name="diagnoses", postgresql_where=sa.text("status <> 'closed'"))
    op.drop_index("ix_diagnoses_region", table_name="diagnoses")
    op.drop_table("diagnoses")
