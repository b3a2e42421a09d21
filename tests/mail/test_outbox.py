"""Mail through the outbox: queued in the deciding transaction, sent by the relay after it commits, over
a real SMTP server (aiosmtpd, in this process) or into .eml files; retried, dead-lettered, never lost."""

from __future__ import annotations

import email
import email.policy
import logging
from collections.abc import AsyncIterator
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.db import make_engine, make_sessionmaker
from app.mail import relay, service
from app.mail.senders import FileSender, SmtpSender, sender_for
from app.models.mail import MailMessage
from tests.fixtures.cli import run_cli
from tests.fixtures.smtp import Inbox, free_port

FROM = "四川省设备更新供需对接平台 <noreply@sichuan-renewal.example>"
SUBJECT = "重置密码：四川省设备更新供需对接平台"
BODY = "您好，张工：\n请在30分钟内打开以下链接重置密码。\n"


@pytest.fixture
async def pool(migrated_scratch_database: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = make_engine(migrated_scratch_database, pool_size=3)
    yield make_sessionmaker(engine)
    await engine.dispose()


async def _queue(pool: async_sessionmaker[AsyncSession], to: str = "zhang@example.cn") -> MailMessage:
    async with pool() as session, session.begin():
        return await service.enqueue(session, to=to, subject=SUBJECT, body=BODY)


async def _row(pool: async_sessionmaker[AsyncSession], row_id: int) -> MailMessage:
    async with pool() as session:
        row = await session.get(MailMessage, row_id)
        assert row is not None
        return row


async def test_a_committed_message_goes_out_over_smtp_in_chinese(
    pool: async_sessionmaker[AsyncSession], smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    queued = await _queue(pool)
    sender = SmtpSender(f"smtp://127.0.0.1:{port}")
    assert await relay.deliver_once(pool, sender, mail_from=FROM, worker="w1") == 1
    [received] = inbox.messages
    assert received["Subject"] == SUBJECT
    assert received["To"] == "zhang@example.cn"
    assert received["From"] == FROM
    assert received["Message-ID"] == queued.message_id
    assert received.get_content().replace("\r\n", "\n") == BODY  # SMTP's lines end in CRLF
    assert inbox.envelopes == [("noreply@sichuan-renewal.example", ["zhang@example.cn"])]
    row = await _row(pool, queued.id)
    assert row.sent_at is not None and row.attempts == 1 and row.locked_by is None
    # Sent once: nothing is due any more.
    assert await relay.deliver_once(pool, sender, mail_from=FROM, worker="w1") == 0
    assert len(inbox.messages) == 1


async def test_a_rolled_back_transaction_sends_nothing(
    pool: async_sessionmaker[AsyncSession], smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    async with pool() as session:
        await service.enqueue(session, to="zhang@example.cn", subject=SUBJECT, body=BODY)
        await session.rollback()
    sender = SmtpSender(f"smtp://127.0.0.1:{port}")
    assert await relay.deliver_once(pool, sender, mail_from=FROM, worker="w1") == 0
    async with pool() as session:
        assert (await session.scalars(select(MailMessage))).all() == []
    assert inbox.messages == []


async def test_a_server_that_is_down_delays_the_message_and_the_retry_keeps_its_message_id(
    pool: async_sessionmaker[AsyncSession], smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    queued = await _queue(pool)
    down = SmtpSender(f"smtp://127.0.0.1:{free_port()}", timeout=5)
    assert await relay.deliver_once(pool, down, mail_from=FROM, worker="w1") == 1
    row = await _row(pool, queued.id)
    assert row.sent_at is None and row.dead_at is None and row.attempts == 1
    assert row.last_error and row.locked_by is None
    up = SmtpSender(f"smtp://127.0.0.1:{port}")
    # Not before its backoff…
    assert await relay.deliver_once(pool, up, mail_from=FROM, worker="w2") == 0
    async with pool() as session, session.begin():
        await session.execute(text("UPDATE mail_outbox SET available_at = now()"))
    # …then sent, with the Message-ID it was queued with.
    assert await relay.deliver_once(pool, up, mail_from=FROM, worker="w2") == 1
    assert [m["Message-ID"] for m in inbox.messages] == [queued.message_id]
    assert (await _row(pool, queued.id)).attempts == 2


async def test_a_permanent_refusal_is_dead_lettered_with_the_answer(
    pool: async_sessionmaker[AsyncSession], smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    inbox.refuse = True
    queued = await _queue(pool)
    sender = SmtpSender(f"smtp://127.0.0.1:{port}")
    assert await relay.deliver_once(pool, sender, mail_from=FROM, worker="w1") == 1
    row = await _row(pool, queued.id)
    assert row.dead_at is not None and row.sent_at is None
    assert row.last_error is not None and "550" in row.last_error
    async with pool() as session, session.begin():
        await session.execute(text("UPDATE mail_outbox SET available_at = now()"))
    assert await relay.deliver_once(pool, sender, mail_from=FROM, worker="w1") == 0


async def test_the_embedded_default_writes_each_message_as_an_eml_file_and_logs_its_path(
    pool: async_sessionmaker[AsyncSession], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    sender = sender_for(None, str(tmp_path))
    assert isinstance(sender, FileSender)
    queued = await _queue(pool)
    with caplog.at_level(logging.INFO, logger="app.mail.senders"):
        assert await relay.deliver_once(pool, sender, mail_from=FROM, worker="w1") == 1
    [path] = list((tmp_path / "mail").glob("*.eml"))
    parsed = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert parsed["Subject"] == SUBJECT and parsed["Message-ID"] == queued.message_id
    assert isinstance(parsed, EmailMessage) and parsed.get_content() == BODY
    assert [
        r for r in caplog.records if r.getMessage() == "mail.written" and getattr(r, "path", "") == str(path)
    ]
    assert (await _row(pool, queued.id)).sent_at is not None


async def test_the_worker_sends_queued_mail(
    migrated_scratch_database: str,
    pool: async_sessionmaker[AsyncSession],
    smtp: tuple[Inbox, int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    inbox, port = smtp
    queued = await _queue(pool, to="li@example.cn")
    monkeypatch.setenv("SMTP_URL", f"smtp://127.0.0.1:{port}")
    result = run_cli(migrated_scratch_database, "worker", "--once")
    assert result.returncode == 0, result.stderr
    assert [m["Message-ID"] for m in inbox.messages] == [queued.message_id]
    assert (await _row(pool, queued.id)).sent_at is not None


def test_an_smtp_url_that_is_not_one_is_refused_with_what_to_write() -> None:
    with pytest.raises(ValueError, match="smtp://user:password@host:587"):
        SmtpSender("http://mail.example.cn")
    implicit = SmtpSender("smtps://robot%40example.cn:p%40ss@mail.example.cn")
    assert (implicit.port, implicit.implicit_tls, implicit.username, implicit.password) == (
        465,
        True,
        "robot@example.cn",
        "p@ss",
    )
