"""The mail relay (part of `python -m app worker`): claim due messages with a lease (app/kit/leases.py),
committed before any SMTP; send each; mark it sent only while the lease is still ours. A failure goes back
with backoff; a permanent refusal (5xx) or MAX_ATTEMPTS failures dead-letters it with the error. A relay
killed mid-send leaves the lease to run out, and the message goes again with the same Message-ID."""

from __future__ import annotations

import logging
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formatdate

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.kit import leases
from app.mail import repository
from app.mail.senders import MailSender, PermanentFailure
from app.models.base import utcnow
from app.models.mail import MailMessage

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 8
LEASE = timedelta(seconds=120)
QUEUE = leases.Queue(
    MailMessage,
    due=lambda: MailMessage.available_at,
    still_open=lambda: (
        MailMessage.sent_at.is_(None) & MailMessage.dead_at.is_(None) & (MailMessage.channel == "email")
    ),
)


def build(row: MailMessage, mail_from: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = mail_from
    message["To"] = row.to_address
    message["Subject"] = row.subject
    message["Message-ID"] = row.message_id
    message["Date"] = formatdate(row.created_at.timestamp(), localtime=False, usegmt=True)
    message.set_content(row.body, charset="utf-8")
    return message


async def deliver_once(
    sessionmaker: async_sessionmaker[AsyncSession],
    sender: MailSender,
    *,
    mail_from: str,
    worker: str,
    batch: int = 50,
) -> int:
    """Send one batch; returns how many messages it took (0: nothing due)."""
    async with sessionmaker() as session, session.begin():
        rows = await leases.claim(session, QUEUE, worker=worker, limit=batch, lease=LEASE)
    for row in rows:
        try:
            await sender.send(build(row, mail_from))
        except Exception as exc:  # any failure: retry later or dead-letter, never lose the message
            await failed(sessionmaker, row, exc, worker=worker)
            continue
        async with sessionmaker() as session, session.begin():
            await repository.mark_sent(session, row.id, worker=worker)
    return len(rows)


async def failed(
    sessionmaker: async_sessionmaker[AsyncSession], row: MailMessage, exc: Exception, *, worker: str
) -> None:
    dead = isinstance(exc, PermanentFailure) or row.attempts >= MAX_ATTEMPTS
    async with sessionmaker() as session, session.begin():
        await leases.release_for_retry(
            session,
            MailMessage,
            [row.id],
            worker=worker,
            error=repr(exc),
            available_at=utcnow() + leases.backoff(row.attempts),
            dead=dead,
        )
    log.warning(
        "mail.send_failed",
        extra={
            "message_id": row.message_id,
            "attempts": row.attempts,
            "dead": dead,
            "error": repr(exc)[:300],
        },
    )
