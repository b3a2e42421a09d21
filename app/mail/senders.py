"""How a message leaves: one interface, two senders. The embedded default writes each message as an .eml
file (what a developer opens in any mail client) and logs its path; SMTP_URL sends it over SMTP with
aiosmtplib (STARTTLS when offered on smtp://, implicit TLS on smtps://)."""

from __future__ import annotations

import logging
import os
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit

import aiosmtplib

log = logging.getLogger(__name__)


class MailSender(Protocol):
    async def send(self, message: EmailMessage) -> None: ...


class PermanentFailure(Exception):
    """The receiving side refused the message for good (a 5xx answer): retrying cannot help."""


class FileSender:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    async def send(self, message: EmailMessage) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        name = str(message["Message-ID"]).strip("<>").split("@")[0]
        path = self.folder / f"{name}.eml"
        partial = path.with_suffix(".eml.partial")
        partial.write_bytes(message.as_bytes())
        os.replace(partial, path)  # a reader never sees half a message
        log.info("mail.written", extra={"path": str(path), "to": str(message["To"])})


class SmtpSender:
    def __init__(self, url: str, *, timeout: float = 30.0) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("SMTP_URL must look like smtp://user:password@host:587 or smtps://…:465")
        self.hostname = parts.hostname
        self.implicit_tls = parts.scheme == "smtps"
        self.port = parts.port or (465 if self.implicit_tls else 587)
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        self.timeout = timeout

    async def send(self, message: EmailMessage) -> None:
        try:
            await aiosmtplib.send(
                message,
                hostname=self.hostname,
                port=self.port,
                username=self.username,
                password=self.password,
                use_tls=self.implicit_tls,
                start_tls=None if not self.implicit_tls else False,  # None: STARTTLS if the server offers it
                timeout=self.timeout,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            raise PermanentFailure(str(exc)) from exc
        except aiosmtplib.SMTPResponseException as exc:
            if 500 <= exc.code < 600:
                raise PermanentFailure(f"{exc.code} {exc.message}") from exc
            raise
        log.info("mail.sent", extra={"to": str(message["To"]), "message_id": str(message["Message-ID"])})


def sender_for(smtp_url: str | None, data_dir: str) -> MailSender:
    return SmtpSender(smtp_url) if smtp_url else FileSender(Path(data_dir) / "mail")
