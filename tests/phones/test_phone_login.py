"""手机号 + 验证码 through HTTP: a verified number, texted codes (read from the files the embedded sender
writes, and from a real HTTP gateway), single use, 5 minutes, 5 tries, one a minute, and answers that
never tell whether a number has an account."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pytest
from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.models import RateLimitBucket, User
from app.models.base import utcnow
from app.models.mail import MailMessage
from app.models.sms import SmsCode
from app.sms import relay
from app.sms.senders import FileSmsSender, HttpSmsSender
from tests.fixtures.factories import Account, register_account
from tests.fixtures.smtp import Mailbox

PHONE = "+8613800138000"


class Texts:
    """The embedded sender's folder, as the phone's owner would read it."""

    def __init__(self, folder: Path, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self.folder, self.sessionmaker = folder, sessionmaker

    async def deliver(self) -> None:
        while await relay.deliver_once(self.sessionmaker, FileSmsSender(self.folder), worker="test"):
            pass

    async def to(self, phone: str) -> list[str]:
        await self.deliver()
        files = sorted(self.folder.glob("*.txt"), key=lambda p: p.stat().st_mtime_ns)
        return [
            f.read_text(encoding="utf-8")
            for f in files
            if f.read_text(encoding="utf-8").startswith(f"To: {phone}\n")
        ]

    async def code_for(self, phone: str) -> str:
        [*_, text] = await self.to(phone)
        found = re.search(r"验证码是 (\d{6})", text)
        assert found, text
        return found.group(1)


@pytest.fixture
def texts(tmp_path: Path, sessionmaker: async_sessionmaker[AsyncSession]) -> Texts:
    return Texts(tmp_path / "sms", sessionmaker)


async def _verified(
    client: httpx.AsyncClient, db: AsyncSession, account: Account, texts: Texts, phone: str = PHONE
) -> None:
    """The account's email checked, the number made the account's; then a minute passes (its throttle is
    cleared)."""
    await email_checked(db, account)
    asked = await client.post("/me/phone", headers=account.headers, json={"phone": phone})
    assert asked.status_code == 202, asked.text
    code = await texts.code_for(PHONE)
    done = await client.post("/me/phone/verify", headers=account.headers, json={"phone": phone, "code": code})
    assert done.status_code == 200, done.text
    assert done.json()["phone"] == PHONE
    await a_minute_passes(db)


async def email_checked(db: AsyncSession, account: Account) -> None:
    """As if the account had opened its email check (tests/accounts/test_lifecycle.py does it by mail)."""
    await db.execute(update(User).where(User.id == account.user_id).values(email_verified_at=utcnow()))
    await db.commit()


async def a_minute_passes(db: AsyncSession) -> None:
    await db.execute(delete(RateLimitBucket).where(RateLimitBucket.key.startswith("sms:phone-minute:")))
    await db.commit()


async def _outbox(db: AsyncSession) -> int:
    return int(
        await db.scalar(select(func.count()).select_from(MailMessage).where(MailMessage.channel == "sms"))
        or 0
    )


async def test_a_verified_number_logs_in_with_a_texted_code_once(
    client: httpx.AsyncClient, db: AsyncSession, enterprise: Account, texts: Texts
) -> None:
    await _verified(client, db, enterprise, texts, phone="138 0013 8000")  # written as people type it
    me = await client.get("/me", headers=enterprise.headers)
    assert me.json()["user"]["phone"] == PHONE
    asked = await client.post("/auth/sms-code", json={"phone": "13800138000"})
    assert asked.status_code == 202
    [*_, text] = await texts.to(PHONE)
    assert text.startswith(f"To: {PHONE}\n") and "【四川设备更新】" in text and "5 分钟" in text
    code = await texts.code_for(PHONE)
    login = await client.post("/auth/sms-login", json={"phone": PHONE, "code": code})
    assert login.status_code == 200, login.text
    tokens = login.json()
    assert set(tokens) == {"access_token", "refresh_token", "token_type", "expires_in"}
    me = await client.get("/me", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert me.json()["user"]["id"] == enterprise.user_id
    again = await client.post("/auth/sms-login", json={"phone": PHONE, "code": code})
    assert again.status_code == 401


async def test_the_answers_never_tell_whether_a_number_has_an_account(
    client: httpx.AsyncClient, db: AsyncSession, enterprise: Account, texts: Texts
) -> None:
    await _verified(client, db, enterprise, texts)
    queued = await _outbox(db)
    nobody = "+8613900139000"
    known = await client.post("/auth/sms-code", json={"phone": PHONE})
    unknown = await client.post("/auth/sms-code", json={"phone": nobody})
    assert (
        (known.status_code, known.json())
        == (unknown.status_code, unknown.json())
        == (202, {"status": "accepted"})
    )
    assert await _outbox(db) == queued + 1  # only the verified number is texted
    assert await texts.to(nobody) == []
    # The minute's throttle counts for both alike.
    known_again = await client.post("/auth/sms-code", json={"phone": PHONE})
    unknown_again = await client.post("/auth/sms-code", json={"phone": nobody})
    assert known_again.status_code == unknown_again.status_code == 429
    assert 0 < int(known_again.headers["Retry-After"]) <= 60
    assert 0 < int(unknown_again.headers["Retry-After"]) <= 60
    wrong = await client.post("/auth/sms-login", json={"phone": PHONE, "code": "000000"})
    none = await client.post("/auth/sms-login", json={"phone": nobody, "code": "000000"})
    assert (wrong.status_code, wrong.json()["detail"]) == (none.status_code, none.json()["detail"])
    assert wrong.status_code == 401


async def test_a_code_dies_after_five_wrong_tries_and_after_five_minutes(
    client: httpx.AsyncClient, db: AsyncSession, enterprise: Account, texts: Texts
) -> None:
    await _verified(client, db, enterprise, texts)
    await client.post("/auth/sms-code", json={"phone": PHONE})
    code = await texts.code_for(PHONE)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(5):
        assert (await client.post("/auth/sms-login", json={"phone": PHONE, "code": wrong})).status_code == 401
    assert (await client.post("/auth/sms-login", json={"phone": PHONE, "code": code})).status_code == 401
    row = await db.scalar(
        select(SmsCode).where(SmsCode.purpose == "login").order_by(SmsCode.created_at.desc())
    )
    assert row is not None and row.attempts == 5 and row.used_at is not None

    # A new code, a minute later; then its five minutes run out.
    await a_minute_passes(db)
    assert (await client.post("/auth/sms-code", json={"phone": PHONE})).status_code == 202
    code = await texts.code_for(PHONE)
    live = await db.scalar(select(SmsCode).where(SmsCode.purpose == "login", SmsCode.used_at.is_(None)))
    assert live is not None and live.expires_at - live.created_at == timedelta(minutes=5)
    await db.execute(update(SmsCode).where(SmsCode.id == live.id).values(expires_at=utcnow()))
    await db.commit()
    assert (await client.post("/auth/sms-login", json={"phone": PHONE, "code": code})).status_code == 401


async def test_a_number_verified_by_one_account_is_not_texted_for_another(
    client: httpx.AsyncClient, db: AsyncSession, enterprise: Account, supplier: Account, texts: Texts
) -> None:
    await _verified(client, db, enterprise, texts)
    await a_minute_passes(db)
    before = await _outbox(db)
    await email_checked(db, supplier)
    asked = await client.post("/me/phone", headers=supplier.headers, json={"phone": PHONE})
    assert asked.status_code == 202 and await _outbox(db) == before
    guess = await client.post(
        "/me/phone/verify", headers=supplier.headers, json={"phone": PHONE, "code": "123456"}
    )
    assert guess.status_code == 422 and guess.json()["errors"][0]["loc"] == ["body", "code"]
    holder = await db.scalar(select(User.id).where(User.phone == PHONE))
    assert str(holder) == enterprise.user_id
    # Removed from the first account, the number is free for the second.
    assert (await client.delete("/me/phone", headers=enterprise.headers)).status_code == 204
    await a_minute_passes(db)
    await _verified(client, db, supplier, texts)


@pytest.mark.parametrize("phone", ["12800138000", "1380013800", "+85213800138000", "138001380001", "电话"])
async def test_only_mainland_mobile_numbers_are_taken(
    client: httpx.AsyncClient, db: AsyncSession, enterprise: Account, phone: str
) -> None:
    response = await client.post("/me/phone", headers=enterprise.headers, json={"phone": phone})
    assert response.status_code == 422 and response.json()["errors"][0]["loc"] == ["body", "phone"]
    assert await _outbox(db) == 0


class _Gateway(BaseHTTPRequestHandler):
    received: ClassVar[list[tuple[dict[str, Any], str | None]]] = []
    answers: ClassVar[list[int]] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).received.append((body, self.headers.get("Idempotency-Key")))
        status = type(self).answers.pop(0) if type(self).answers else 200
        self.send_response(status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def gateway() -> Iterator[str]:
    _Gateway.received, _Gateway.answers = [], []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Gateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/send"
    server.shutdown()


async def test_sms_url_posts_each_text_to_the_gateway_and_retries_a_failure(
    client: httpx.AsyncClient,
    db: AsyncSession,
    enterprise: Account,
    sessionmaker: async_sessionmaker[AsyncSession],
    gateway: str,
) -> None:
    _Gateway.answers = [503]
    await email_checked(db, enterprise)
    assert (
        await client.post("/me/phone", headers=enterprise.headers, json={"phone": PHONE})
    ).status_code == 202
    sender = HttpSmsSender(gateway)
    assert await relay.deliver_once(sessionmaker, sender, worker="w") == 1  # 503: back in the queue
    row = await db.scalar(select(MailMessage).where(MailMessage.channel == "sms"))
    assert row is not None
    await db.refresh(row)
    assert row.sent_at is None and row.dead_at is None and row.attempts == 1
    await db.execute(update(MailMessage).where(MailMessage.id == row.id).values(available_at=utcnow()))
    await db.commit()
    assert await relay.deliver_once(sessionmaker, sender, worker="w") == 1
    await db.refresh(row)
    assert row.sent_at is not None
    (first, key1), (second, key2) = _Gateway.received
    assert first == second and set(first) == {"phone", "text"} and first["phone"] == PHONE
    assert key1 == key2 == row.message_id  # the gateway can drop the repeat
    assert re.search(r"验证码是 \d{6}", first["text"])
    # Mail is not the text relay's business, nor the other way round.
    assert await relay.deliver_once(sessionmaker, sender, worker="w") == 0


async def test_a_phone_needs_a_verified_email_and_a_reset_of_an_unverified_address_drops_it(
    client: httpx.AsyncClient, db: AsyncSession, mailbox: Mailbox, texts: Texts
) -> None:
    """Someone who registers another person's address cannot keep a way in through a phone."""
    squatter = await register_account(client, "supplier")
    refused = await client.post("/me/phone", headers=squatter.headers, json={"phone": PHONE})
    assert refused.status_code == 403 and await _outbox(db) == 0
    # Were a phone bound before the address was proven, the owner's password reset unbinds it.
    await db.execute(
        update(User).where(User.id == squatter.user_id).values(phone=PHONE, phone_verified_at=utcnow())
    )
    await db.commit()
    await client.post("/auth/password-reset", json={"email": squatter.email})
    token = await mailbox.token_for(squatter.email)
    reset = await client.post(
        "/auth/password-reset/confirm", json={"token": token, "new_password": "the real owner's one"}
    )
    assert reset.status_code == 204
    assert await db.scalar(select(User.phone).where(User.id == squatter.user_id)) is None
    await client.post("/auth/sms-code", json={"phone": PHONE})
    assert await texts.to(PHONE) == []
