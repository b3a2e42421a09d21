"""The account lifecycle through HTTP and a real SMTP server: password change and reset, email checks,
logging out of one session, of all, and from the session list."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import AccountToken, AuthSession, User
from app.models.base import utcnow
from app.models.mail import MailMessage
from tests.fixtures.factories import PASSWORD, Account, login, register_account, registration
from tests.fixtures.smtp import Mailbox

NEW = "a brand new passphrase"


def _bearer(tokens: dict[str, str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


async def _mails(db: AsyncSession) -> int:
    return int(await db.scalar(select(func.count()).select_from(MailMessage)) or 0)


async def test_changing_the_password_ends_every_other_session(
    client: httpx.AsyncClient, enterprise: Account, mailbox: Mailbox
) -> None:
    other = await login(client, enterprise.email)
    wrong = await client.post(
        "/auth/password", headers=enterprise.headers, json={"current_password": "nope", "new_password": NEW}
    )
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["loc"] == ["body", "current_password"]
    assert (await client.get("/me", headers=_bearer(other))).status_code == 200  # nothing changed
    same = await client.post(
        "/auth/password",
        headers=enterprise.headers,
        json={"current_password": PASSWORD, "new_password": PASSWORD},
    )
    assert same.status_code == 422
    changed = await client.post(
        "/auth/password", headers=enterprise.headers, json={"current_password": PASSWORD, "new_password": NEW}
    )
    assert changed.status_code == 204
    assert (await client.get("/me", headers=enterprise.headers)).status_code == 200  # this one stays
    assert (await client.get("/me", headers=_bearer(other))).status_code == 401
    assert (
        await client.post("/auth/refresh", json={"refresh_token": other["refresh_token"]})
    ).status_code == 401
    old = await client.post("/auth/token", data={"username": enterprise.email, "password": PASSWORD})
    assert old.status_code == 401
    await login(client, enterprise.email, NEW)
    inbox = await mailbox.deliver()
    assert any("密码已修改" in m["Subject"] for m in inbox.to(enterprise.email))


async def test_wrong_current_passwords_are_throttled(client: httpx.AsyncClient, enterprise: Account) -> None:
    statuses = []
    for _ in range(6):
        response = await client.post(
            "/auth/password",
            headers=enterprise.headers,
            json={"current_password": "guess", "new_password": NEW},
        )
        statuses.append(response.status_code)
    assert statuses[:5] == [422] * 5 and statuses[5] == 429
    assert int(response.headers["Retry-After"]) > 0
    # Even the right password waits now.
    right = await client.post(
        "/auth/password", headers=enterprise.headers, json={"current_password": PASSWORD, "new_password": NEW}
    )
    assert right.status_code == 429


async def test_a_password_reset_is_mailed_used_once_and_ends_every_session(
    client: httpx.AsyncClient, db: AsyncSession, enterprise: Account, mailbox: Mailbox
) -> None:
    asked = await client.post("/auth/password-reset", json={"email": enterprise.email.upper()})
    assert asked.status_code == 202
    inbox = await mailbox.deliver()
    [message] = [m for m in inbox.to(enterprise.email) if m["Subject"].startswith("重置密码")]
    assert "30 分钟" in message.get_content()
    token = inbox.token_for(enterprise.email)
    done = await client.post("/auth/password-reset/confirm", json={"token": token, "new_password": NEW})
    assert done.status_code == 204
    assert (await client.get("/me", headers=enterprise.headers)).status_code == 401
    await login(client, enterprise.email, NEW)
    again = await client.post(
        "/auth/password-reset/confirm", json={"token": token, "new_password": "yet another one"}
    )
    assert again.status_code == 422 and again.json()["errors"][0]["loc"] == ["body", "token"]
    await login(client, enterprise.email, NEW)  # the second attempt changed nothing
    user = await db.scalar(select(User).where(User.email == enterprise.email))
    assert user is not None and user.email_verified_at is not None


async def test_a_reset_token_expires_after_30_minutes_and_a_newer_one_kills_the_older(
    client: httpx.AsyncClient, db: AsyncSession, enterprise: Account, mailbox: Mailbox
) -> None:
    await client.post("/auth/password-reset", json={"email": enterprise.email})
    first = await mailbox.token_for(enterprise.email)
    await client.post("/auth/password-reset", json={"email": enterprise.email})
    second = await mailbox.token_for(enterprise.email)
    stale = await client.post("/auth/password-reset/confirm", json={"token": first, "new_password": NEW})
    assert stale.status_code == 422
    row = await db.scalar(
        select(AccountToken).where(AccountToken.purpose == "password_reset", AccountToken.used_at.is_(None))
    )
    assert row is not None
    assert timedelta(minutes=29) < row.expires_at - row.created_at <= timedelta(minutes=30)
    await db.execute(update(AccountToken).where(AccountToken.id == row.id).values(expires_at=utcnow()))
    await db.commit()
    expired = await client.post("/auth/password-reset/confirm", json={"token": second, "new_password": NEW})
    assert expired.status_code == 422
    await login(client, enterprise.email)  # the old password still works
    forged = await client.post("/auth/password-reset/confirm", json={"token": "A" * 43, "new_password": NEW})
    assert forged.status_code == 422


async def test_a_reset_for_an_unknown_address_answers_the_same_and_mails_nothing(
    client: httpx.AsyncClient, db: AsyncSession, enterprise: Account
) -> None:
    before = await _mails(db)
    known = await client.post("/auth/password-reset", json={"email": enterprise.email})
    after_known = await _mails(db)
    unknown = await client.post("/auth/password-reset", json={"email": "nobody-here@example.com"})
    assert (
        (known.status_code, known.json())
        == (unknown.status_code, unknown.json())
        == (202, {"status": "accepted"})
    )
    assert after_known == before + 1 and await _mails(db) == after_known
    # One address gets at most three mails an hour, however often it is asked for.
    for _ in range(5):
        assert (
            await client.post("/auth/password-reset", json={"email": enterprise.email})
        ).status_code == 202
    assert await _mails(db) == before + 3


async def test_reset_requests_are_throttled_per_client(client: httpx.AsyncClient) -> None:
    statuses = [
        (await client.post("/auth/password-reset", json={"email": f"n{i}@example.com"})).status_code
        for i in range(11)
    ]
    assert statuses == [202] * 10 + [429]


async def test_a_reset_lifts_the_failed_login_wait(
    client: httpx.AsyncClient, enterprise: Account, mailbox: Mailbox
) -> None:
    for _ in range(5):
        await client.post("/auth/token", data={"username": enterprise.email, "password": "wrong one"})
    waiting = await client.post("/auth/token", data={"username": enterprise.email, "password": PASSWORD})
    assert waiting.status_code == 429
    await client.post("/auth/password-reset", json={"email": enterprise.email})
    token = await mailbox.token_for(enterprise.email)
    assert (
        await client.post("/auth/password-reset/confirm", json={"token": token, "new_password": NEW})
    ).status_code == 204
    await login(client, enterprise.email, NEW)


async def test_registration_mails_an_email_check_that_verifies_the_address_once(
    client: httpx.AsyncClient, db: AsyncSession, mailbox: Mailbox
) -> None:
    payload = registration("supplier")
    assert (await client.post("/auth/register", json=payload)).status_code == 201
    tokens = await login(client, payload["email"])
    me = await client.get("/me", headers=_bearer(tokens))
    assert me.json()["user"]["email_verified"] is False
    inbox = await mailbox.deliver()
    assert inbox.to(payload["email"])[0]["Subject"].startswith("请验证您的邮箱")
    token = inbox.token_for(payload["email"])
    verified = await client.post("/auth/verify-email", json={"token": token})
    assert verified.status_code == 200 and verified.json()["email_verified"] is True
    assert (await client.get("/me", headers=_bearer(tokens))).json()["user"]["email_verified"] is True
    assert (await client.post("/auth/verify-email", json={"token": token})).status_code == 422
    before = await _mails(db)
    # Verified: asking again sends nothing.
    assert (await client.post("/me/email-verification", headers=_bearer(tokens))).status_code == 202
    assert await _mails(db) == before


async def test_the_email_check_is_resent_at_most_once_a_minute(
    client: httpx.AsyncClient, db: AsyncSession, mailbox: Mailbox
) -> None:
    account = await register_account(client, "enterprise")
    first = await client.post("/me/email-verification", headers=account.headers)
    assert first.status_code == 202
    second = await client.post("/me/email-verification", headers=account.headers)
    assert second.status_code == 429 and 0 < int(second.headers["Retry-After"]) <= 60
    # Only the newest token works.
    tokens = await db.scalars(
        select(AccountToken).where(AccountToken.purpose == "verify_email", AccountToken.used_at.is_(None))
    )
    assert len(tokens.all()) == 1
    token = await mailbox.token_for(account.email)
    assert (await client.post("/auth/verify-email", json={"token": token})).status_code == 200


async def test_logout_by_refresh_token_logout_all_and_the_session_list(
    client: httpx.AsyncClient, db: AsyncSession, enterprise: Account
) -> None:
    phone = await client.post(
        "/auth/token",
        data={"username": enterprise.email, "password": PASSWORD},
        headers={"User-Agent": "SichuanRenewal/2.1 (iPhone; iOS 18)"},
    )
    phone_tokens = phone.json()
    listed = await client.get("/me/sessions", headers=enterprise.headers)
    assert listed.status_code == 200
    items = listed.json()["items"]
    assert len(items) == 2 and sum(item["current"] for item in items) == 1
    phone_session = next(item for item in items if not item["current"])
    assert phone_session["user_agent"] == "SichuanRenewal/2.1 (iPhone; iOS 18)"
    assert phone_session["client_address"] == "203.0.113.10"

    # The lost phone, ended from the list.
    revoked = await client.delete(f"/me/sessions/{phone_session['id']}", headers=enterprise.headers)
    assert revoked.status_code == 204
    assert (await client.get("/me", headers=_bearer(phone_tokens))).status_code == 401
    gone = await client.delete(f"/me/sessions/{phone_session['id']}", headers=enterprise.headers)
    assert gone.status_code == 404
    assert [
        i["id"] for i in (await client.get("/me/sessions", headers=enterprise.headers)).json()["items"]
    ] == [next(item for item in items if item["current"])["id"]]

    # Logout with the refresh token alone, as API.md writes it.
    tablet = await login(client, enterprise.email)
    out = await client.post("/auth/logout", json={"refresh_token": tablet["refresh_token"]})
    assert out.status_code == 204
    assert (await client.get("/me", headers=_bearer(tablet))).status_code == 401
    unknown = await client.post("/auth/logout", json={"refresh_token": "not-a-token"})
    assert unknown.status_code == 204
    assert (await client.post("/auth/logout", json={})).status_code == 401  # no refresh token, no bearer
    assert (await client.post("/auth/logout", headers=enterprise.headers)).status_code == 422  # no body

    laptop = await login(client, enterprise.email)
    everywhere = await client.post("/auth/logout-all", headers=enterprise.headers)
    assert everywhere.status_code == 204
    assert (await client.get("/me", headers=enterprise.headers)).status_code == 401
    assert (await client.get("/me", headers=_bearer(laptop))).status_code == 401
    live = await db.scalar(
        select(func.count())
        .select_from(AuthSession)
        .where(AuthSession.user_id == enterprise.user_id, AuthSession.revoked_at.is_(None))
    )
    assert live == 0
