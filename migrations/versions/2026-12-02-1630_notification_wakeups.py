"""notification wakeups: NOTIFY on every new notification, for the live stream

Every API process LISTENs on one channel; a committed notification wakes the streams of its
organization in whichever process holds them (app/notifications/stream.py). A trigger, so that every
path that writes notifications (services, imports, seeding) wakes them without remembering to.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 16:30:00+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        """
        CREATE FUNCTION notify_new_notification() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            -- Sent at commit; identical payloads in one transaction are sent once.
            PERFORM pg_notify('app_notifications', NEW.organization_id::text);
            RETURN NULL;
        END
        $$
        """
    )
    op.execute(
        """
        CREATE TRIGGER trg_notifications_notify AFTER INSERT ON notifications
        FOR EACH ROW EXECUTE FUNCTION notify_new_notification()
        """
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER trg_notifications_notify ON notifications")
    op.execute("DROP FUNCTION notify_new_notification()")
