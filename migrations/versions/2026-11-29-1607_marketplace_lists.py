"""marketplace lists

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 16:07:15.133384+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "financing_products",
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("financing_type", sa.String(length=40), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("amount_min_cny", sa.BigInteger(), nullable=False),
        sa.Column("amount_max_cny", sa.BigInteger(), nullable=False),
        sa.Column("term_min_months", sa.Integer(), nullable=False),
        sa.Column("term_max_months", sa.Integer(), nullable=False),
        sa.Column("rate_min_pct", sa.Numeric(precision=5, scale=2), nullable=True),
        sa.Column("rate_max_pct", sa.Numeric(precision=5, scale=2), nullable=True),
        sa.Column("region_codes", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("industry_codes", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("task_types", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("relending_eligible", sa.Boolean(), nullable=False),
        sa.Column("is_active", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "amount_min_cny > 0 AND amount_min_cny <= amount_max_cny",
            name=op.f("ck_financing_products_amount_range"),
        ),
        sa.CheckConstraint(
            "rate_min_pct IS NULL OR rate_max_pct IS NULL OR rate_min_pct <= rate_max_pct",
            name=op.f("ck_financing_products_rate_range"),
        ),
        sa.CheckConstraint(
            "term_min_months > 0 AND term_min_months <= term_max_months",
            name=op.f("ck_financing_products_term_range"),
        ),
        sa.ForeignKeyConstraint(
            ["financing_type"],
            ["financing_types.code"],
            name=op.f("fk_financing_products_financing_type_financing_types"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_financing_products_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_financing_products")),
    )
    op.create_index(
        op.f("ix_financing_products_organization_id"), "financing_products", ["organization_id"], unique=False
    )
    op.create_index(
        "ix_financing_products_public_list",
        "financing_products",
        ["is_active", "created_at", "id"],
        unique=False,
    )
    op.create_table(
        "demands",
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("task_type", sa.String(length=20), nullable=False),
        sa.Column("industry_code", sa.String(length=8), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("category_codes", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=True),
        sa.Column("budget_min_cny", sa.BigInteger(), nullable=False),
        sa.Column("budget_max_cny", sa.BigInteger(), nullable=False),
        sa.Column("expected_start", sa.Date(), nullable=True),
        sa.Column("old_equipment_age_years", sa.SmallInteger(), nullable=True),
        sa.Column("old_equipment_energy_grade", sa.SmallInteger(), nullable=True),
        sa.Column("old_equipment_below_baseline", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("required_energy_grade", sa.SmallInteger(), nullable=True),
        sa.Column("needs_equipment", sa.Boolean(), nullable=False),
        sa.Column("needs_design", sa.Boolean(), nullable=False),
        sa.Column("needs_engineering", sa.Boolean(), nullable=False),
        sa.Column("financing_amount_cny", sa.BigInteger(), nullable=True),
        sa.Column("financing_term_months", sa.Integer(), nullable=True),
        sa.Column("share_with_banks", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("contracted_amount_cny", sa.BigInteger(), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("contracted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "status IN ('draft', 'published', 'contracted', 'completed', 'closed')",
            name=op.f("ck_demands_status"),
        ),
        sa.CheckConstraint(
            "(financing_amount_cny IS NULL) = (financing_term_months IS NULL)",
            name=op.f("ck_demands_financing_pair"),
        ),
        sa.CheckConstraint(
            "budget_min_cny >= 0 AND budget_min_cny <= budget_max_cny", name=op.f("ck_demands_budget_range")
        ),
        sa.CheckConstraint(
            "old_equipment_energy_grade BETWEEN 1 AND 3", name=op.f("ck_demands_old_equipment_energy_grade")
        ),
        sa.CheckConstraint(
            "required_energy_grade BETWEEN 1 AND 3", name=op.f("ck_demands_required_energy_grade")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_demands_created_by_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["industry_code"], ["industries.code"], name=op.f("fk_demands_industry_code_industries")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_demands_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["region_code"], ["regions.code"], name=op.f("fk_demands_region_code_regions")
        ),
        sa.ForeignKeyConstraint(
            ["task_type"], ["task_types.code"], name=op.f("fk_demands_task_type_task_types")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_demands")),
    )
    op.create_index(
        "ix_demands_category_codes", "demands", ["category_codes"], unique=False, postgresql_using="gin"
    )
    op.create_index(op.f("ix_demands_industry_code"), "demands", ["industry_code"], unique=False)
    op.create_index("ix_demands_owner_list", "demands", ["organization_id", "created_at", "id"], unique=False)
    op.create_index("ix_demands_public_list", "demands", ["status", "published_at", "id"], unique=False)
    op.create_index(op.f("ix_demands_region_code"), "demands", ["region_code"], unique=False)
    op.create_index(op.f("ix_demands_task_type"), "demands", ["task_type"], unique=False)
    op.create_table(
        "idempotency_keys",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("request_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("response_body", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_idempotency_keys_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotency_keys")),
        sa.UniqueConstraint("user_id", "key", name=op.f("uq_idempotency_keys_user_id_key")),
    )
    op.create_index(op.f("ix_idempotency_keys_created_at"), "idempotency_keys", ["created_at"], unique=False)
    op.create_table(
        "products",
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("model", sa.String(length=100), nullable=False),
        sa.Column("category_code", sa.String(length=80), nullable=False),
        sa.Column("industry_codes", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("price_min_cny", sa.BigInteger(), nullable=False),
        sa.Column("price_max_cny", sa.BigInteger(), nullable=False),
        sa.Column("energy_grade", sa.SmallInteger(), nullable=True),
        sa.Column("made_in_sichuan", sa.Boolean(), nullable=False),
        sa.Column("made_in_sichuan_verified", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("service_region_codes", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("lead_time_days", sa.Integer(), nullable=True),
        sa.Column("certifications", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("listed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("review_note", sa.Text(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reviewed_by_id", sa.Uuid(), nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "status IN ('draft', 'pending_review', 'listed', 'rejected', 'withdrawn')",
            name=op.f("ck_products_status"),
        ),
        sa.CheckConstraint("energy_grade BETWEEN 1 AND 3", name=op.f("ck_products_energy_grade")),
        sa.CheckConstraint(
            "price_min_cny >= 0 AND price_min_cny <= price_max_cny", name=op.f("ck_products_price_range")
        ),
        sa.ForeignKeyConstraint(
            ["category_code"],
            ["equipment_categories.code"],
            name=op.f("fk_products_category_code_equipment_categories"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_products_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reviewed_by_id"],
            ["users.id"],
            name=op.f("fk_products_reviewed_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_products")),
    )
    op.create_index(op.f("ix_products_category_code"), "products", ["category_code"], unique=False)
    op.create_index(
        "ix_products_owner_list", "products", ["organization_id", "created_at", "id"], unique=False
    )
    op.create_index("ix_products_public_list", "products", ["status", "listed_at", "id"], unique=False)
    op.create_index("ix_products_review_queue", "products", ["status", "submitted_at", "id"], unique=False)
    op.create_table(
        "product_reviews",
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column("decision", sa.String(length=10), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("made_in_sichuan_confirmed", sa.Boolean(), nullable=True),
        sa.Column("decided_by_id", sa.Uuid(), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint("decision IN ('approve', 'reject')", name=op.f("ck_product_reviews_decision")),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name=op.f("fk_product_reviews_decided_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_product_reviews_product_id_products"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product_reviews")),
    )
    op.create_index(op.f("ix_product_reviews_product_id"), "product_reviews", ["product_id"], unique=False)
    op.create_table(
        "quotes",
        sa.Column("demand_id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        sa.Column("product_id", sa.Uuid(), nullable=True),
        sa.Column("price_cny", sa.BigInteger(), nullable=False),
        sa.Column("delivery_days", sa.Integer(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "status IN ('submitted', 'accepted', 'declined', 'withdrawn')", name=op.f("ck_quotes_status")
        ),
        sa.CheckConstraint("delivery_days > 0", name=op.f("ck_quotes_delivery_positive")),
        sa.CheckConstraint("price_cny > 0", name=op.f("ck_quotes_price_positive")),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_quotes_created_by_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["demand_id"], ["demands.id"], name=op.f("fk_quotes_demand_id_demands"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_quotes_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_quotes_product_id_products"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quotes")),
    )
    op.create_index("ix_quotes_demand_list", "quotes", ["demand_id", "created_at", "id"], unique=False)
    op.create_index(
        "ix_quotes_organization_list", "quotes", ["organization_id", "created_at", "id"], unique=False
    )
    op.add_column(
        "organizations",
        sa.Column("services", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
    )
    op.add_column(
        "organizations",
        sa.Column("service_region_codes", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
    )
    op.add_column(
        "organizations",
        sa.Column("industry_codes", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
    )
    op.add_column(
        "organizations",
        sa.Column(
            "qualifications", postgresql.JSONB(astext_type=sa.Text()), server_default="[]", nullable=False
        ),
    )
    op.add_column(
        "organizations",
        sa.Column("cases", postgresql.JSONB(astext_type=sa.Text()), server_default="[]", nullable=False),
    )


def downgrade() -> None:

    op.drop_column("organizations", "cases")
    op.drop_column("organizations", "qualifications")
    op.drop_column("organizations", "industry_codes")
    op.drop_column("organizations", "service_region_codes")
    op.drop_column("organizations", "services")
    op.drop_index("ix_quotes_organization_list", table_name="quotes")
    op.drop_index("ix_quotes_demand_list", table_name="quotes")
    op.drop_table("quotes")
    op.drop_index(op.f("ix_product_reviews_product_id"), table_name="product_reviews")
    op.drop_table("product_reviews")
    op.drop_index("ix_products_review_queue", table_name="products")
    op.drop_index("ix_products_public_list", table_name="products")
    op.drop_index("ix_products_owner_list", table_name="products")
    op.drop_index(op.f("ix_products_category_code"), table_name="products")
    op.drop_table("products")
    op.drop_index(op.f("ix_idempotency_keys_created_at"), table_name="idempotency_keys")
    op.drop_table("idempotency_keys")
    op.drop_index(op.f("ix_demands_task_type"), table_name="demands")
    op.drop_index(op.f("ix_demands_region_code"), table_name="demands")
    op.drop_index("ix_demands_public_list", table_name="demands")
    op.drop_index("ix_demands_owner_list", table_name="demands")
    op.drop_index(op.f("ix_demands_industry_code"), table_name="demands")
    op.drop_index("ix_demands_category_codes", table_name="demands", postgresql_using="gin")
    op.drop_table("demands")
    op.drop_index("ix_financing_products_public_list", table_name="financing_products")
    op.drop_index(op.f("ix_financing_products_organization_id"), table_name="financing_products")
    op.drop_table("financing_products")
