"""Queries for the mail outbox."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.base import utcnow
from app.models.mail import MailMessage

# Sent messages carry tokens and codes in clear; they are kept this long (for an operator's look), then go.
KEEP_SENT = timedelta(hours=1)


async def purge_sent(session: AsyncSession) -> int:
    """Delete mail and texts sent more than KEEP_SENT ago (the worker's housekeeping)."""
    result = await session.execute(delete(MailMessage).where(MailMessage.sent_at < utcnow() - KEEP_SENT))
    return int(getattr(result, "rowcount", 0) or 0)


async def mark_sent(session: AsyncSession, message_id: int, *, worker: str) -> None:
    """Sent, if our lease still holds (else another relay owns the message and its result counts)."""
    await session.execute(
        update(MailMessage)
        .where(MailMessage.id == message_id, MailMessage.locked_by == worker)
        .values(sent_at=utcnow(), locked_until=None, locked_by=None, last_error=None)
    )
