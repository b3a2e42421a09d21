"""statistics from maintained aggregates

- demand_facts: one narrow row a posted demand, with its flags (matched, contracted, financed, below the
  baseline) computed when the demand or a quote, lead or shortlist of it changes.
- stats_cells: the measures by posted month, region and one dimension; stats_cell_deltas: what each
  change adds and takes away, appended by the triggers (no writer waits on a counter row) and folded into
  the cells by `stats_compact()` (the worker's housekeeping).
- stats_refresh(uuid[]) recomputes the facts of some demands and appends the deltas; statement-level
  triggers on demands, quotes, leads and match_feedback call it with the rows each statement touched.
- The existing demands are counted at once (backfill).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 08:30:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MEASURES = (
    "demands",
    "posted_cny",
    "matched",
    "matched_cny",
    "contracted",
    "contracted_cny",
    "financed",
    "financed_cny",
    "below_baseline",
    "below_baseline_contracted",
)

# (table, the column naming the demand) whose changes change a demand's facts.
WATCHED = (
    ("demands", "id"),
    ("quotes", "demand_id"),
    ("leads", "demand_id"),
    ("match_feedback", "demand_id"),
)

FACTS = """
CREATE FUNCTION stats_facts_of(ids uuid[]) RETURNS SETOF demand_facts LANGUAGE sql STABLE AS $$
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

REFRESH = """
CREATE FUNCTION stats_refresh(ids uuid[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    changed uuid[];
BEGIN
    IF ids IS NULL OR cardinality(ids) = 0 THEN
        RETURN;
    END IF;
    -- One refresher a demand at a time (row locks: no limit on how many, and compatible with the KEY
    -- SHARE locks a quote's or lead's foreign key takes), so the last one reads what the others committed.
    PERFORM 1 FROM demands WHERE id = ANY(ids) ORDER BY id FOR NO KEY UPDATE;
    SELECT array_agg(DISTINCT demand_id) INTO changed FROM (
        (SELECT * FROM stats_facts_of(ids) EXCEPT SELECT * FROM demand_facts WHERE demand_id = ANY(ids))
        UNION ALL
        (SELECT * FROM demand_facts WHERE demand_id = ANY(ids) EXCEPT SELECT * FROM stats_facts_of(ids))
    ) AS difference;
    IF changed IS NULL THEN
        RETURN;
    END IF;
    PERFORM stats_append_deltas(changed, -1);
    DELETE FROM demand_facts WHERE demand_id = ANY(changed);
    INSERT INTO demand_facts SELECT * FROM stats_facts_of(changed);
    PERFORM stats_append_deltas(changed, 1);
END
$$
"""

# A posted demand counts in five cells of its posted month and region: the total, its status, industry,
# task type and (once contracted) the month contracted. The deltas and the overview's part months both
# read this view, so the two can never count differently.
FACT_CELLS = """
CREATE VIEW stats_fact_cells AS
SELECT f.demand_id, f.posted_on, f.posted_month, f.region_code, dim.name AS dimension, dim.key,
       1 AS demands, f.posted_cny,
       f.matched::int AS matched, CASE WHEN f.matched THEN f.posted_cny ELSE 0 END AS matched_cny,
       f.contracted::int AS contracted,
       CASE WHEN f.contracted THEN f.contracted_cny ELSE 0 END AS contracted_cny,
       f.financed::int AS financed, CASE WHEN f.financed THEN f.financed_cny ELSE 0 END AS financed_cny,
       f.below_baseline::int AS below_baseline, f.below_baseline_contracted::int AS below_baseline_contracted
FROM demand_facts f
CROSS JOIN LATERAL (VALUES
    ('total', ''), ('status', f.status), ('industry', f.industry_code), ('task_type', f.task_type),
    ('contracted_month', f.contracted_month)
) AS dim(name, key)
WHERE dim.key IS NOT NULL
"""

DELTAS = """
CREATE FUNCTION stats_append_deltas(ids uuid[], direction int) RETURNS void LANGUAGE sql AS $$
    INSERT INTO stats_cell_deltas (posted_month, region_code, dimension, key, {measures})
    SELECT posted_month, region_code, dimension, key, {signed}
    FROM stats_fact_cells
    WHERE demand_id = ANY(ids)
$$
""".replace("{measures}", ", ".join(MEASURES)).replace(
    "{signed}", ", ".join(f"direction * {m}" for m in MEASURES)
)

COMPACT = """
CREATE FUNCTION stats_compact() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    folded bigint;
BEGIN
    WITH moved AS (DELETE FROM stats_cell_deltas RETURNING *),
    summed AS (
        SELECT posted_month, region_code, dimension, key, {sums}, count(*) AS n
        FROM moved GROUP BY posted_month, region_code, dimension, key
    ),
    upserted AS (
        INSERT INTO stats_cells (posted_month, region_code, dimension, key, {measures})
        SELECT posted_month, region_code, dimension, key, {measures} FROM summed
        ORDER BY posted_month, region_code, dimension, key
        ON CONFLICT (posted_month, region_code, dimension, key) DO UPDATE SET {adds}
    )
    SELECT coalesce(sum(n), 0) INTO folded FROM summed;
    DELETE FROM stats_cells WHERE {all_zero};
    RETURN folded;
END
$$
"""
for _name, _part in (
    ("{sums}", ", ".join(f"sum({m}) AS {m}" for m in MEASURES)),
    ("{measures}", ", ".join(MEASURES)),
    ("{adds}", ", ".join(f"{m} = stats_cells.{m} + excluded.{m}" for m in MEASURES)),
    ("{all_zero}", " AND ".join(f"{m} = 0" for m in MEASURES)),
):
    COMPACT = COMPACT.replace(_name, _part)


def _measure_columns() -> list[sa.Column[int]]:
    return [sa.Column(m, sa.BigInteger(), server_default="0", nullable=False) for m in MEASURES]


def upgrade() -> None:
    op.create_table(
        "demand_facts",
        sa.Column("demand_id", sa.Uuid(), nullable=False),
        sa.Column("posted_on", sa.Date(), nullable=False),
        sa.Column("posted_month", sa.String(length=7), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("industry_code", sa.String(length=8), nullable=False),
        sa.Column("task_type", sa.String(length=20), nullable=False),
        sa.Column("contracted_month", sa.String(length=7), nullable=True),
        sa.Column("posted_cny", sa.BigInteger(), nullable=False),
        sa.Column("matched", sa.Boolean(), nullable=False),
        sa.Column("contracted", sa.Boolean(), nullable=False),
        sa.Column("contracted_cny", sa.BigInteger(), nullable=False),
        sa.Column("financed", sa.Boolean(), nullable=False),
        sa.Column("financed_cny", sa.BigInteger(), nullable=False),
        sa.Column("below_baseline", sa.Boolean(), nullable=False),
        sa.Column("below_baseline_contracted", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("demand_id", name=op.f("pk_demand_facts")),
    )
    op.create_index("ix_demand_facts_posted_on", "demand_facts", ["posted_on", "region_code"])
    op.create_table(
        "stats_cells",
        sa.Column("posted_month", sa.String(length=7), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("dimension", sa.String(length=20), nullable=False),
        sa.Column("key", sa.String(length=20), nullable=False),
        *_measure_columns(),
        sa.PrimaryKeyConstraint(
            "posted_month", "region_code", "dimension", "key", name=op.f("pk_stats_cells")
        ),
    )
    op.create_table(
        "stats_cell_deltas",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("posted_month", sa.String(length=7), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("dimension", sa.String(length=20), nullable=False),
        sa.Column("key", sa.String(length=20), nullable=False),
        *_measure_columns(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stats_cell_deltas")),
    )
    op.execute(FACTS)
    op.execute(FACT_CELLS)
    op.execute(DELTAS)
    op.execute(REFRESH)
    op.execute(COMPACT)
    for table, column in WATCHED:
        for event, transition in (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD")):
            function = f"stats_on_{table}_{event.lower()}"
            op.execute(
                f"""
                CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    PERFORM stats_refresh(ARRAY(SELECT DISTINCT {column} FROM changed_rows));
                    RETURN NULL;
                END
                $$
                """  # noqa: S608 - table and column names from WATCHED above
            )
            op.execute(
                f"""
                CREATE TRIGGER trg_{function} AFTER {event} ON {table}
                REFERENCING {transition} TABLE AS changed_rows
                FOR EACH STATEMENT EXECUTE FUNCTION {function}()
                """
            )
    op.execute("SELECT stats_refresh(ARRAY(SELECT id FROM demands WHERE published_at IS NOT NULL))")
    op.execute("SELECT stats_compact()")


def downgrade() -> None:
    for table, _ in WATCHED:
        for event in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER trg_stats_on_{table}_{event} ON {table}")
            op.execute(f"DROP FUNCTION stats_on_{table}_{event}()")
    op.execute("DROP FUNCTION stats_compact()")
    op.execute("DROP FUNCTION stats_refresh(uuid[])")
    op.execute("DROP FUNCTION stats_append_deltas(uuid[], int)")
    op.execute("DROP FUNCTION stats_facts_of(uuid[])")
    op.execute("DROP VIEW stats_fact_cells")
    op.drop_table("stats_cell_deltas")
    op.drop_table("stats_cells")
    op.drop_index("ix_demand_facts_posted_on", table_name="demand_facts")
    op.drop_table("demand_facts")
