"""phone login: verified mobile numbers, texted codes, texts in the outbox

`users.phone` (+86…, unique) with when it was verified; `sms_codes` (only an HMAC of each code); the
outbox gets a `channel` (`email` or `sms`), so texts are queued, retried and dead-lettered like mail.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04 22:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "mail_outbox", sa.Column("channel", sa.String(length=10), server_default="email", nullable=False)
    )
    op.create_check_constraint(op.f("ck_mail_outbox_channel"), "mail_outbox", "channel IN ('email', 'sms')")
    op.add_column("users", sa.Column("phone", sa.String(length=20), nullable=True))
    op.add_column("users", sa.Column("phone_verified_at", sa.DateTime(timezone=True), nullable=True))
    op.create_unique_constraint(op.f("uq_users_phone"), "users", ["phone"])
    op.create_table(
        "sms_codes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("purpose", sa.String(length=20), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("code_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("purpose IN ('verify_phone', 'login')", name=op.f("ck_sms_codes_purpose")),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_sms_codes_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sms_codes")),
    )
    op.create_index(
        "ix_sms_codes_phone_purpose", "sms_codes", ["phone", "purpose", "created_at"], unique=False
    )
    op.create_index(op.f("ix_sms_codes_user_id"), "sms_codes", ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_sms_codes_user_id"), table_name="sms_codes")
    op.drop_index("ix_sms_codes_phone_purpose", table_name="sms_codes")
    op.drop_table("sms_codes")
    op.drop_constraint(op.f("uq_users_phone"), "users", type_="unique")
    op.drop_column("users", "phone_verified_at")
    op.drop_column("users", "phone")
    op.drop_constraint(op.f("ck_mail_outbox_channel"), "mail_outbox", type_="check")
    op.drop_column("mail_outbox", "channel")
