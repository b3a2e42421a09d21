"""Queries for the mail outbox."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.base import utcnow
from app.models.mail import MailMessage


async def mark_sent(session: AsyncSession, message_id: int, *, worker: str) -> None:
    """Sent, if our lease still holds (else another relay owns the message and its result counts)."""
    await session.execute(
        update(MailMessage)
        .where(MailMessage.id == message_id, MailMessage.locked_by == worker)
        .values(sent_at=utcnow(), locked_until=None, locked_by=None, last_error=None)
    )
