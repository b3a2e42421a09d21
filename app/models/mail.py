"""The mail outbox: every message written in the transaction that decided to send it, sent by the worker
after that commits, retried with backoff, never lost (app/mail/)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, Identity, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, check_in, utcnow

CHANNELS = ("email", "sms")


class MailMessage(Base):
    __tablename__ = "mail_outbox"
    __table_args__ = (
        Index(
            "ix_mail_outbox_ready",
            "available_at",
            "id",
            postgresql_where=text("sent_at IS NULL AND dead_at IS NULL"),
        ),
        CheckConstraint(check_in("channel", CHANNELS), name="channel"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    # `email` (app/mail/relay.py) or `sms` (app/sms/relay.py; `to_address` is the phone, `body` the text).
    channel: Mapped[str] = mapped_column(String(10), default="email", server_default="email")
    to_address: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    # Fixed when queued, so a retry after a crash mid-send carries the same Message-ID (receivers dedupe).
    message_id: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    available_at: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    locked_by: Mapped[str | None] = mapped_column(String(100))
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None]
    dead_at: Mapped[datetime | None]
