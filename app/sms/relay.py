"""The text relay (part of `python -m app worker`): the mail relay's claim, lease, retry and dead letter
(app/mail/relay.py), for the outbox's `sms` rows, through an `SmsSender`."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.kit import leases
from app.mail import relay as mail_relay
from app.mail import repository
from app.models.mail import MailMessage
from app.sms.senders import SmsSender

QUEUE = leases.Queue(
    MailMessage,
    due=lambda: MailMessage.available_at,
    still_open=lambda: (
        MailMessage.sent_at.is_(None) & MailMessage.dead_at.is_(None) & (MailMessage.channel == "sms")
    ),
)


async def deliver_once(
    sessionmaker: async_sessionmaker[AsyncSession], sender: SmsSender, *, worker: str, batch: int = 50
) -> int:
    """Send one batch of texts; returns how many it took (0: nothing due)."""
    async with sessionmaker() as session, session.begin():
        rows = await leases.claim(session, QUEUE, worker=worker, limit=batch, lease=mail_relay.LEASE)
    for row in rows:
        try:
            await sender.send(phone=row.to_address, text=row.body, message_id=row.message_id)
        except Exception as exc:  # any failure: retry later or dead-letter, never lose the text
            await mail_relay.failed(sessionmaker, row, exc, worker=worker)
            continue
        async with sessionmaker() as session, session.begin():
            await repository.mark_sent(session, row.id, worker=worker)
    return len(rows)
