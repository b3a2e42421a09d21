"""How a text message leaves: one interface, two senders. The embedded default writes each text as a file
under DATA_DIR/sms and logs its path; SMS_URL (http or https) posts `{"phone", "text"}` as JSON to an SMS
gateway, where an adapter for a cloud SMS service plugs in. Texts queue in the outbox like mail
(app/mail/relay.py), so a gateway that is down delays a code, it does not lose it."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

import httpx

from app.mail.senders import PermanentFailure

log = logging.getLogger(__name__)


class SmsSender(Protocol):
    async def send(self, *, phone: str, text: str, message_id: str) -> None: ...


class FileSmsSender:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    async def send(self, *, phone: str, text: str, message_id: str) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{message_id.strip('<>').split('@')[0]}.txt"
        partial = path.with_suffix(".txt.partial")
        partial.write_text(f"To: {phone}\n\n{text}\n", encoding="utf-8")
        os.replace(partial, path)  # a reader never sees half a text
        # The phone's last four digits only: logs are read by more people than texts are.
        log.info("sms.written", extra={"path": str(path), "to": f"…{phone[-4:]}"})


class HttpSmsSender:
    """POST {"phone", "text"} as JSON; `Idempotency-Key` carries the message's id, so a gateway can drop
    a resend after a crash. 2xx is sent; 4xx other than 408 and 429 is a refusal for good."""

    def __init__(self, url: str, client: httpx.AsyncClient | None = None, *, timeout: float = 10.0) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("SMS_URL must be an http(s):// URL of an SMS gateway")
        self.url = url
        self.client = client
        self.timeout = timeout

    async def send(self, *, phone: str, text: str, message_id: str) -> None:
        client = self.client or httpx.AsyncClient(trust_env=False, follow_redirects=False)
        try:
            response = await client.post(
                self.url,
                json={"phone": phone, "text": text},
                headers={"Idempotency-Key": message_id},
                timeout=self.timeout,
            )
        finally:
            if self.client is None:
                await client.aclose()
        if 400 <= response.status_code < 500 and response.status_code not in (408, 429):
            raise PermanentFailure(f"{response.status_code} {response.text[:200]}")
        response.raise_for_status()
        log.info("sms.sent", extra={"to": f"…{phone[-4:]}", "message_id": message_id})


def sms_sender_for(sms_url: str | None, data_dir: str) -> SmsSender:
    return HttpSmsSender(sms_url) if sms_url else FileSmsSender(Path(data_dir) / "sms")
