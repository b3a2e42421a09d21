"""search results cache, invalidated by index generations

- search_generations: one counter an index, raised at commit by a deferred trigger on search_documents,
  once per index in each transaction that wrote it (a transaction-local setting remembers it did), so
  writers only hold the counter's row lock while they commit.
- search_results_cache (UNLOGGED): engine results filed under the generation read before they were
  computed (search/cache.py).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 19:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = ("demands", "products", "providers", "financing_products")

BUMP = """
CREATE FUNCTION search_bump_generation() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    idx text := CASE WHEN TG_OP = 'DELETE' THEN OLD.index_name ELSE NEW.index_name END;
    flag text := 'search.bumped_' || idx;
BEGIN
    IF coalesce(current_setting(flag, true), '') <> '1' THEN
        PERFORM set_config(flag, '1', true);
        INSERT INTO search_generations (index_name, generation) VALUES (idx, 1)
        ON CONFLICT (index_name) DO UPDATE SET generation = search_generations.generation + 1;
    END IF;
    RETURN NULL;
END
$$
"""

BUMP_ALL = """
CREATE FUNCTION search_bump_all_generations() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE search_generations SET generation = generation + 1;
    RETURN NULL;
END
$$
"""


def upgrade() -> None:
    op.create_table(
        "search_generations",
        sa.Column("index_name", sa.String(length=40), nullable=False),
        sa.Column("generation", sa.BigInteger(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("index_name", name=op.f("pk_search_generations")),
    )
    op.create_table(
        "search_results_cache",
        sa.Column("key", sa.LargeBinary(), nullable=False),
        sa.Column("index_name", sa.String(length=40), nullable=False),
        sa.Column("generation", sa.BigInteger(), nullable=False),
        sa.Column("result", sa.LargeBinary(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_search_results_cache")),
        prefixes=["UNLOGGED"],
    )
    op.bulk_insert(
        sa.table("search_generations", sa.column("index_name"), sa.column("generation")),
        [{"index_name": name, "generation": 1} for name in INDEXES],
    )
    op.execute(BUMP)
    op.execute(BUMP_ALL)
    op.execute(
        "CREATE CONSTRAINT TRIGGER trg_search_generation "
        "AFTER INSERT OR UPDATE OR DELETE ON search_documents DEFERRABLE INITIALLY DEFERRED "
        "FOR EACH ROW EXECUTE FUNCTION search_bump_generation()"
    )
    op.execute(
        "CREATE TRIGGER trg_search_generation_truncate AFTER TRUNCATE ON search_documents "
        "FOR EACH STATEMENT EXECUTE FUNCTION search_bump_all_generations()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER trg_search_generation_truncate ON search_documents")
    op.execute("DROP TRIGGER trg_search_generation ON search_documents")
    op.execute("DROP FUNCTION search_bump_all_generations()")
    op.execute("DROP FUNCTION search_bump_generation()")
    op.drop_table("search_results_cache")
    op.drop_table("search_generations")
