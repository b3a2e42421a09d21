"""rate_limit_hit(): one counted attempt in one round trip

The per-address search limit counted each search in a transaction of its own (BEGIN, SET LOCAL
synchronous_commit, INSERT … ON CONFLICT, COMMIT: four round trips). The function does the same in one
statement on an autocommit connection; set_config(…, true) makes that statement's own commit asynchronous
(a counter lost in a crash costs nothing).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 19:30:00+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HIT = """
CREATE FUNCTION rate_limit_hit(bucket text, window_seconds int, OUT hits int, OUT ends_at timestamptz)
LANGUAGE plpgsql AS $$
DECLARE
    -- The clock, not now(): inside a longer transaction now() is its start.
    moment timestamptz := clock_timestamp();
    ends timestamptz := moment + make_interval(secs => window_seconds);
BEGIN
    PERFORM set_config('synchronous_commit', 'off', true);
    INSERT INTO rate_limit_buckets AS b (key, count, window_ends_at) VALUES (bucket, 1, ends)
    ON CONFLICT (key) DO UPDATE SET
        count = CASE WHEN b.window_ends_at <= moment THEN 1 ELSE b.count + 1 END,
        window_ends_at = CASE WHEN b.window_ends_at <= moment THEN ends ELSE b.window_ends_at END
    RETURNING b.count, b.window_ends_at INTO hits, ends_at;
END
$$
"""


def upgrade() -> None:
    op.execute(HIT)


def downgrade() -> None:
    op.execute("DROP FUNCTION rate_limit_hit(text, int)")
