"""The account lifecycle: changing and resetting a password, verifying the email address, logging out
of one session or all, and listing and revoking one's own sessions. Every mail goes through the outbox
(app/mail/), in the transaction that decided to send it."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts import lifecycle_repository as repository
from app.accounts import repository as accounts_repository
from app.accounts.schemas import SessionOut
from app.accounts.security import hash_password, hash_refresh_token, new_refresh_token, verify_password
from app.auth.principal import Principal
from app.config import Settings
from app.errors import InvalidInput, NotFound, TooManyRequests
from app.kit import rate_limit
from app.kit.pagination import PageParams
from app.mail import service as mail
from app.models.account import AccountToken, User
from app.models.base import utcnow

PASSWORD_RESET_TTL = timedelta(minutes=30)
EMAIL_CHECK_TTL = timedelta(days=3)
SITE = "四川省设备更新供需对接平台"


class WrongPassword(InvalidInput):
    # The counted failure must survive the 422.
    keeps_changes = True


def _link(settings: Settings, path: str, token: str) -> str:
    return f"{settings.frontend_url.rstrip('/')}/{path}?token={token}"


async def _new_token(session: AsyncSession, user: User, purpose: str, ttl: timedelta) -> str:
    """A single-use token mailed to the user's address; any earlier one for the same purpose dies."""
    await repository.void_tokens(session, user.id, purpose)
    token, token_hash = new_refresh_token()
    session.add(
        AccountToken(
            user_id=user.id,
            purpose=purpose,
            email=user.email,
            token_hash=token_hash,
            expires_at=utcnow() + ttl,
        )
    )
    await session.flush()
    return token


async def _take_token(session: AsyncSession, token: str, purpose: str) -> tuple[AccountToken, User]:
    """The live token and its user, now used up; 422 for an unknown, used, expired or stale one."""
    row = await repository.token_for_update(session, hash_refresh_token(token), purpose)
    user = None if row is None else await repository.get_user(session, row.user_id)
    now = utcnow()
    if row is None or user is None or row.used_at is not None or user.email != row.email:
        raise InvalidInput(
            ["body", "token"],
            "is not valid, or was already used: ask for a new mail",
            zh="无效或已被使用：请重新申请邮件",
        )
    if row.expires_at <= now:
        raise InvalidInput(["body", "token"], "has expired: ask for a new mail", zh="已过期：请重新申请邮件")
    if not user.is_active or user.left_organization_at is not None:
        raise InvalidInput(["body", "token"], "belongs to a closed account", zh="对应的账号已关闭")
    row.used_at = now
    return row, user


# --- passwords --------------------------------------------------------------------------------------


async def change_password(
    session: AsyncSession, settings: Settings, principal: Principal, *, current: str, new: str
) -> None:
    """Change the caller's password after checking the current one (throttled like logins); every other
    session of the user ends, the one calling stays."""
    user = principal.user
    key = f"password:user:{user.id}"
    throttle = await rate_limit.backoff_or_wait(
        session,
        [rate_limit.Limit(key, settings.login_max_failures_per_account_and_client)],
        window_seconds=settings.login_failure_window_seconds,
        base_seconds=settings.login_backoff_base_seconds,
        what="wrong passwords",
        what_zh="密码错误",
    )
    ok, _ = await verify_password(current, user.password_hash)
    if not ok:
        throttle.failed()
        raise WrongPassword(["body", "current_password"], "is wrong", zh="不正确")
    throttle.succeeded(key)
    if new == current:
        raise InvalidInput(
            ["body", "new_password"], "must differ from the current one", zh="不能与当前密码相同"
        )
    now = utcnow()
    user.password_hash = await hash_password(new)
    await repository.revoke_sessions(
        session, user.id, at=now, reason="password_changed", keep=principal.session_id
    )
    await repository.void_tokens(session, user.id, "password_reset")
    await _mail_password_changed(session, user, how="修改")


async def request_reset(session: AsyncSession, settings: Settings, *, email: str, client: str) -> None:
    """Mail a reset token if the address has an open account; the answer is the same either way. Throttled
    per client address (429) and, silently, per address (at most 3 mails an hour)."""
    count, ends_at = await rate_limit.hit(session, key=f"reset:client:{client}", window_seconds=3600)
    rate_limit.refuse_over(
        count,
        settings.password_resets_per_client_per_hour,
        ends_at,
        what="password reset requests",
        what_zh="重置密码请求",
    )
    address = email.strip().lower()
    sent, _ = await rate_limit.hit(session, key=f"reset:email:{address}", window_seconds=3600)
    user = await accounts_repository.get_user_by_email(session, address)
    if sent > 3 or user is None or not user.is_active or user.left_organization_at is not None:
        return
    token = await _new_token(session, user, "password_reset", PASSWORD_RESET_TTL)
    await mail.enqueue(
        session,
        to=user.email,
        subject=f"重置密码：{SITE}",
        body=(
            f"{user.name}，您好：\n\n有人（希望是您本人）申请重置您在{SITE}的密码。\n\n"
            "请在 30 分钟内打开以下链接设置新密码（只能使用一次）：\n"
            f"{_link(settings, 'reset-password', token)}\n\n"
            f"或在应用中输入重置码：\n{token}\n\n"
            "重置后，您所有设备上的登录都会退出。如果不是您本人申请，请忽略本邮件，您的密码不会改变。\n"
        ),
    )


async def confirm_reset(session: AsyncSession, *, token: str, new_password: str) -> None:
    """Set a new password with a mailed reset token (single use, 30 minutes); every session ends, the
    address counts as verified, and the account's login throttle is lifted."""
    _, user = await _take_token(session, token, "password_reset")
    now = utcnow()
    user.password_hash = await hash_password(new_password)
    if user.email_verified_at is None:
        # Whoever set up the account before the address was proven (perhaps not its owner) bound nothing
        # that outlives the reset: a phone bound then goes with the old password.
        user.phone, user.phone_verified_at = None, None
        user.email_verified_at = now
    await repository.revoke_sessions(session, user.id, at=now, reason="password_reset")
    await repository.clear_login_throttle(session, user.email)
    await _mail_password_changed(session, user, how="重置")


async def _mail_password_changed(session: AsyncSession, user: User, *, how: str) -> None:
    await mail.enqueue(
        session,
        to=user.email,
        subject=f"您的密码已{how}：{SITE}",
        body=(
            f"{user.name}，您好：\n\n您在{SITE}的密码刚刚已{how}，其他设备上的登录已全部退出。\n\n"
            "如果这不是您本人的操作，请立即通过“忘记密码”重置密码，并联系本机构的所有者。\n"
        ),
    )


# --- the email address ------------------------------------------------------------------------------


async def send_email_check(session: AsyncSession, settings: Settings, user: User) -> None:
    """Mail a token that confirms the address (valid three days)."""
    token = await _new_token(session, user, "verify_email", EMAIL_CHECK_TTL)
    await mail.enqueue(
        session,
        to=user.email,
        subject=f"请验证您的邮箱：{SITE}",
        body=(
            f"{user.name}，您好：\n\n请打开以下链接，确认 {user.email} 是您的邮箱（3 天内有效）：\n"
            f"{_link(settings, 'verify-email', token)}\n\n或在应用中输入验证码：\n{token}\n\n"
            "如果您没有在本平台注册，请忽略本邮件。\n"
        ),
    )


async def resend_email_check(session: AsyncSession, settings: Settings, principal: Principal) -> None:
    """Another check mail, at most one a minute (429 with `Retry-After`); none once verified."""
    user = principal.user
    if user.email_verified_at is not None:
        return
    count, ends_at = await rate_limit.hit(session, key=f"verify-mail:user:{user.id}", window_seconds=60)
    if count > 1:
        wait = rate_limit.retry_after(ends_at)
        raise TooManyRequests(
            f"A check mail was sent less than a minute ago; try again in {wait} seconds.",
            zh=f"一分钟内已发送过验证邮件，请 {wait} 秒后再试。",
            retry_after=wait,
        )
    await send_email_check(session, settings, user)


async def verify_email(session: AsyncSession, *, token: str) -> User:
    _, user = await _take_token(session, token, "verify_email")
    user.email_verified_at = user.email_verified_at or utcnow()
    await session.flush()
    return user


# --- sessions ---------------------------------------------------------------------------------------


async def logout_by_refresh_token(session: AsyncSession, refresh_token: str) -> None:
    """End the login session a refresh token belongs to (an unknown token changes nothing: logging out
    is done either way, as RFC 7009 answers for token revocation)."""
    stored = await repository.refresh_token(session, hash_refresh_token(refresh_token))
    if stored is not None:
        await repository.revoke_session(session, stored.session_id, at=utcnow(), reason="logout")


async def logout_everywhere(session: AsyncSession, principal: Principal) -> None:
    await repository.revoke_sessions(session, principal.user.id, at=utcnow(), reason="logout_all")


async def page_sessions(
    session: AsyncSession, settings: Settings, principal: Principal, params: PageParams
) -> tuple[list[SessionOut], str | None]:
    """The caller's live login sessions (used within the refresh-token lifetime), newest first."""
    since = utcnow() - timedelta(seconds=settings.refresh_token_ttl_seconds)
    rows, cursor = await repository.page_live_sessions(session, principal.user.id, since=since, params=params)
    return [
        SessionOut(
            id=row.id,
            created_at=row.created_at,
            last_used_at=row.last_used_at or row.created_at,
            user_agent=row.user_agent,
            client_address=row.client_address,
            current=row.id == principal.session_id,
        )
        for row in rows
    ], cursor


async def revoke_own_session(session: AsyncSession, principal: Principal, session_id: uuid.UUID) -> None:
    """End one of the caller's own live sessions (404 for another user's, or one already ended)."""
    if not await repository.revoke_session(
        session, session_id, at=utcnow(), reason="revoked_by_user", user_id=principal.user.id
    ):
        raise NotFound("No such live session of yours.", zh="没有您的这个登录会话。")
