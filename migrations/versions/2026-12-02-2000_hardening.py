"""hardening: login backoff, USCC holds that run out, reviewed identity changes, sealed webhook secrets,
cancelled deliveries

- rate_limit_buckets.blocked_until: the backoff a throttled key waits out; an index on window_ends_at
  for the purge.
- organizations: the USCC is unique among organizations that are not rejected (a stale pending one is
  rejected when its hold runs out); pending_change / pending_change_at hold a vetted organization's
  change of name or USCC until an admin decides.
- vetting_decisions.decided_by_id may be NULL: a decision the system made.
- lead_subscriptions.webhook_secret holds the secret sealed with SECRET_KEY (AES-GCM); existing ones
  are sealed here, so run this migration with the deployment's SECRET_KEY set.
- webhook_deliveries.status gains `cancelled`.
- jobs: work written in a transaction and run after it commits (app/jobs/).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 20:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("rate_limit_buckets", sa.Column("blocked_until", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_rate_limit_buckets_window_ends_at", "rate_limit_buckets", ["window_ends_at"])

    op.drop_constraint("uq_organizations_uscc", "organizations", type_="unique")
    op.create_index(
        "uq_organizations_uscc",
        "organizations",
        ["uscc"],
        unique=True,
        postgresql_where=sa.text("vetting_status <> 'rejected'"),
    )
    op.add_column("organizations", sa.Column("pending_change", postgresql.JSONB(), nullable=True))
    op.add_column("organizations", sa.Column("pending_change_at", sa.DateTime(timezone=True), nullable=True))
    op.alter_column("vetting_decisions", "decided_by_id", existing_type=sa.Uuid(), nullable=True)

    op.alter_column(
        "lead_subscriptions",
        "webhook_secret",
        existing_type=sa.String(length=100),
        type_=sa.String(length=200),
    )
    _seal_existing_secrets()

    op.drop_constraint("ck_webhook_deliveries_status", "webhook_deliveries", type_="check")
    op.create_check_constraint(
        "ck_webhook_deliveries_status",
        "webhook_deliveries",
        "status IN ('pending', 'succeeded', 'dead', 'cancelled')",
    )
    _create_jobs()


def _create_jobs() -> None:
    op.create_table(
        "jobs",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("kind", sa.String(length=60), nullable=False),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("available_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("locked_by", sa.String(length=100), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("dead_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
    )
    op.create_index(
        "ix_jobs_ready", "jobs", ["available_at", "id"], postgresql_where=sa.text("dead_at IS NULL")
    )


def _seal_existing_secrets() -> None:
    connection = op.get_bind()
    rows = connection.execute(
        sa.text("SELECT id, webhook_secret FROM lead_subscriptions WHERE webhook_secret LIKE 'whsec\\_%'")
    ).all()
    if not rows:
        return
    from app.config import get_settings
    from app.leads.webhooks import seal_secret

    key = get_settings().signing_key
    for sub_id, secret in rows:
        connection.execute(
            sa.text("UPDATE lead_subscriptions SET webhook_secret = :sealed WHERE id = :id"),
            {"sealed": seal_secret(key, str(sub_id), secret), "id": sub_id},
        )


def downgrade() -> None:
    op.drop_index("ix_jobs_ready", table_name="jobs")
    op.drop_table("jobs")
    op.execute("UPDATE webhook_deliveries SET status = 'dead' WHERE status = 'cancelled'")
    op.drop_constraint("ck_webhook_deliveries_status", "webhook_deliveries", type_="check")
    op.create_check_constraint(
        "ck_webhook_deliveries_status", "webhook_deliveries", "status IN ('pending', 'succeeded', 'dead')"
    )
    # Sealed secrets cannot be unsealed without the key at hand here: the subscriptions need new ones
    # (POST /lead-subscriptions/{id}/rotate-secret) after a downgrade.
    op.alter_column(
        "lead_subscriptions",
        "webhook_secret",
        existing_type=sa.String(length=200),
        type_=sa.String(length=100),
        postgresql_using="left(webhook_secret, 100)",
    )
    op.execute("DELETE FROM vetting_decisions WHERE decided_by_id IS NULL")
    op.alter_column("vetting_decisions", "decided_by_id", existing_type=sa.Uuid(), nullable=False)
    op.drop_column("organizations", "pending_change_at")
    op.drop_column("organizations", "pending_change")
    op.drop_index("uq_organizations_uscc", table_name="organizations")
    op.create_unique_constraint("uq_organizations_uscc", "organizations", ["uscc"])
    op.drop_index("ix_rate_limit_buckets_window_ends_at", table_name="rate_limit_buckets")
    op.drop_column("rate_limit_buckets", "blocked_until")
