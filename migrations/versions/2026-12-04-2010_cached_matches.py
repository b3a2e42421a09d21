"""cached values that depend on several generations; the supplier_records generation

- search_results_cache.depends_on: the generations an entry was computed from (its `generation` is their
  sum: generations only grow, so the sum is unchanged exactly when none moved). Search entries depend on
  their index; ranked matches on the products index and on suppliers' records.
- supplier_records: raised at commit by a transaction that adds, removes or changes the status of a quote,
  or changes a demand's status (a supplier's accepted quotes and completed deliveries are in its score).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 20:10:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BUMP_NAMED = """
CREATE FUNCTION bump_named_generation() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    flag text := 'search.bumped_' || TG_ARGV[0];
BEGIN
    IF coalesce(current_setting(flag, true), '') <> '1' THEN
        PERFORM set_config(flag, '1', true);
        INSERT INTO search_generations (index_name, generation) VALUES (TG_ARGV[0], 1)
        ON CONFLICT (index_name) DO UPDATE SET generation = search_generations.generation + 1;
    END IF;
    RETURN NULL;
END
$$
"""


def upgrade() -> None:
    op.add_column(
        "search_results_cache",
        sa.Column(
            "depends_on",
            postgresql.ARRAY(sa.String(length=40)),
            server_default="{}",
            nullable=False,
        ),
    )
    op.execute("UPDATE search_results_cache SET depends_on = ARRAY[index_name]")
    op.alter_column("search_results_cache", "depends_on", server_default=None)
    op.execute("INSERT INTO search_generations (index_name, generation) VALUES ('supplier_records', 1)")
    op.execute(BUMP_NAMED)
    op.execute(
        "CREATE CONSTRAINT TRIGGER trg_supplier_records_quotes "
        "AFTER INSERT OR DELETE OR UPDATE OF status ON quotes DEFERRABLE INITIALLY DEFERRED "
        "FOR EACH ROW EXECUTE FUNCTION bump_named_generation('supplier_records')"
    )
    op.execute(
        "CREATE CONSTRAINT TRIGGER trg_supplier_records_demands "
        "AFTER UPDATE OF status ON demands DEFERRABLE INITIALLY DEFERRED "
        "FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status) "
        "EXECUTE FUNCTION bump_named_generation('supplier_records')"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER trg_supplier_records_demands ON demands")
    op.execute("DROP TRIGGER trg_supplier_records_quotes ON quotes")
    op.execute("DROP FUNCTION bump_named_generation()")
    op.execute("DELETE FROM search_generations WHERE index_name = 'supplier_records'")
    op.drop_column("search_results_cache", "depends_on")
