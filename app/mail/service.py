"""Queueing mail. A message is a row added to the caller's transaction: a rolled-back request sends
nothing, a committed one is sent by the worker even if the API process dies right after."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from app.models.mail import MailMessage

MESSAGE_ID_DOMAIN = "sichuan-renewal.example"


async def enqueue(session: AsyncSession, *, to: str, subject: str, body: str) -> MailMessage:
    """Queue one plain-text message (Chinese welcome: it is sent as UTF-8)."""
    message = MailMessage(
        to_address=to,
        subject=subject,
        body=body,
        message_id=f"<{uuid.uuid4().hex}@{MESSAGE_ID_DOMAIN}>",
    )
    session.add(message)
    await session.flush()
    return message
