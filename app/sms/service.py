"""Queueing a text: a row of the outbox (channel `sms`) added to the caller's transaction, sent by the
worker after it commits (app/sms/relay.py), like mail."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from app.mail.service import MESSAGE_ID_DOMAIN
from app.models.mail import MailMessage


async def enqueue(session: AsyncSession, *, phone: str, text: str) -> MailMessage:
    message = MailMessage(
        channel="sms",
        to_address=phone,
        subject="",
        body=text,
        message_id=f"<{uuid.uuid4().hex}@{MESSAGE_ID_DOMAIN}>",
    )
    session.add(message)
    await session.flush()
    return message
