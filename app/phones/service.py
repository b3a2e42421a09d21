"""手机号 + 验证码: a user proves a mainland mobile number is theirs with a texted code, then logs in with
codes texted to it. Codes are 6 digits, single use, live 5 minutes and die after 5 wrong tries; a number
gets one code a minute (and `SMS_CODES_PER_NUMBER_PER_DAY`), a client address `SMS_CODES_PER_CLIENT_PER_HOUR`.
Asking for a login code answers the same whether or not the number has an account, and so does a wrong
login code: only a verified number is ever texted."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts import service as accounts
from app.accounts.schemas import TokenOut
from app.auth.principal import Principal
from app.config import Settings
from app.errors import Forbidden, InvalidInput, TooManyRequests, Unauthorized
from app.kit import rate_limit
from app.kit.integrity import flush_or_conflict
from app.models.account import User
from app.models.base import utcnow
from app.models.sms import SmsCode
from app.phones import repository
from app.sms import service as sms

CODE_TTL = timedelta(minutes=5)
MAX_TRIES = 5
SIGNATURE = "【四川设备更新】"
PHONE_TAKEN = "This number is already verified by another account; remove it there first."
PHONE_TAKEN_ZH = "该手机号已被其他账号验证绑定，请先在原账号中解除绑定。"


class CodeRefused(InvalidInput):
    keeps_changes = True  # the wrong try counts


class SmsLoginFailed(Unauthorized):
    keeps_changes = True


def _code_hash(settings: Settings, phone: str, code: str) -> bytes:
    return hmac.new(settings.signing_key.encode(), f"sms:{phone}:{code}".encode(), hashlib.sha256).digest()


async def _throttle(session: AsyncSession, settings: Settings, phone: str, client: str) -> None:
    """One code a number a minute, a few a day, and a cap per client address; all 429 with Retry-After,
    counted whether or not the number has an account (so the answer is the same)."""
    count, ends_at = await rate_limit.hit(session, key=f"sms:phone-minute:{phone}", window_seconds=60)
    if count > 1:
        wait = rate_limit.retry_after(ends_at)
        raise TooManyRequests(
            f"A code was sent to this number less than a minute ago; try again in {wait} seconds.",
            zh=f"一分钟内已向该号码发送过验证码，请 {wait} 秒后再试。",
            retry_after=wait,
        )
    count, ends_at = await rate_limit.hit(session, key=f"sms:phone-day:{phone}", window_seconds=86400)
    if count > settings.sms_codes_per_number_per_day:
        wait = rate_limit.retry_after(ends_at)
        raise TooManyRequests(
            f"Too many codes for this number today; try again in {wait} seconds.",
            zh=f"今天向该号码发送的验证码过多，请 {wait} 秒后再试。",
            retry_after=wait,
        )
    count, ends_at = await rate_limit.hit(session, key=f"sms:client:{client}", window_seconds=3600)
    rate_limit.refuse_over(
        count, settings.sms_codes_per_client_per_hour, ends_at, what="code requests", what_zh="验证码请求"
    )


async def _issue(session: AsyncSession, settings: Settings, *, phone: str, purpose: str, user: User) -> None:
    await repository.void_codes(session, phone, purpose, user.id)
    code = f"{secrets.randbelow(10**6):06d}"
    now = utcnow()
    session.add(
        SmsCode(
            phone=phone,
            purpose=purpose,
            user_id=user.id,
            code_hash=_code_hash(settings, phone, code),
            created_at=now,
            expires_at=now + CODE_TTL,
        )
    )
    what = "登录" if purpose == "login" else "验证手机号"
    await sms.enqueue(
        session,
        phone=phone,
        text=f"{SIGNATURE}您的{what}验证码是 {code}，5 分钟内有效。请勿把验证码告诉任何人。",
    )


async def _take_code(
    session: AsyncSession,
    settings: Settings,
    *,
    phone: str,
    purpose: str,
    code: str,
    user_id: uuid.UUID | None = None,
) -> SmsCode | None:
    """The code, used up, if it is right and live; a wrong one counts a try (void at the fifth)."""
    row = await repository.live_code(session, phone, purpose, user_id)
    now = utcnow()
    if row is None or row.expires_at <= now:
        return None
    if not hmac.compare_digest(row.code_hash, _code_hash(settings, phone, code)):
        row.attempts += 1
        if row.attempts >= MAX_TRIES:
            row.used_at = now
        await session.flush()
        return None
    row.used_at = now
    return row


# --- a user's own number ----------------------------------------------------------------------------


async def request_check(
    session: AsyncSession, settings: Settings, principal: Principal, *, phone: str, client: str
) -> None:
    """Text a code proving the number is the caller's. A number another account has verified gets no
    text (the answer is the same); the caller's own verified number gets none either."""
    if principal.user.email_verified_at is None:
        raise Forbidden(
            "Verify your email address first (POST /auth/verify-email): a phone logs in to the account, so "
            "the account must be proven yours.",
            zh="请先验证邮箱（POST /auth/verify-email）：手机号可登录该账号，账号须先证明属于您。",
        )
    await _throttle(session, settings, phone, client)
    holder = await repository.user_by_phone(session, phone)
    if holder is not None:
        return
    await _issue(session, settings, phone=phone, purpose="verify_phone", user=principal.user)


async def verify(
    session: AsyncSession, settings: Settings, principal: Principal, *, phone: str, code: str
) -> User:
    row = await _take_code(
        session, settings, phone=phone, purpose="verify_phone", code=code, user_id=principal.user.id
    )
    if row is None:
        raise CodeRefused(
            ["body", "code"],
            "is wrong or has expired: ask for a new code",
            zh="错误或已过期：请重新获取验证码",
        )
    user = principal.user
    user.phone, user.phone_verified_at = phone, utcnow()
    await flush_or_conflict(session, {"uq_users_phone": (["body", "phone"], PHONE_TAKEN, PHONE_TAKEN_ZH)})
    return user


async def remove(session: AsyncSession, principal: Principal) -> User:
    user = principal.user
    user.phone, user.phone_verified_at = None, None
    await session.flush()
    return user


# --- logging in with a code -------------------------------------------------------------------------


async def request_login_code(session: AsyncSession, settings: Settings, *, phone: str, client: str) -> None:
    """Text a login code if the number is an open account's verified phone; the same answer otherwise."""
    await _throttle(session, settings, phone, client)
    user = await repository.user_by_phone(session, phone)
    if user is None or not user.is_active or user.left_organization_at is not None:
        return
    await _issue(session, settings, phone=phone, purpose="login", user=user)


async def login(
    session: AsyncSession,
    settings: Settings,
    *,
    phone: str,
    code: str,
    client: str,
    user_agent: str | None,
) -> TokenOut:
    """The same token pair as a password login. A wrong or dead code, and a number with no account, are
    the same 401; failures from one client address wait like failed password logins."""
    throttle = await rate_limit.backoff_or_wait(
        session,
        [rate_limit.Limit(f"login:client:{client}", settings.login_max_failures_per_client)],
        window_seconds=settings.login_failure_window_seconds,
        base_seconds=settings.login_backoff_base_seconds,
    )
    row = await _take_code(session, settings, phone=phone, purpose="login", code=code)
    user = None if row is None else await repository.user_by_phone(session, phone)
    if row is None or user is None or user.id != row.user_id or not user.is_active:
        throttle.failed()
        raise SmsLoginFailed(
            "The number or the code is wrong, or the code has expired.",
            zh="手机号或验证码错误，或验证码已过期。",
        )
    return await accounts.start_session(session, settings, user, client=client, user_agent=user_agent)
