"""Registration, login with throttling, refresh-token rotation with reuse detection, logout."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts import lifecycle, repository
from app.accounts.schemas import RegisterIn, TokenOut, UserOut
from app.accounts.security import (
    hash_password,
    hash_refresh_token,
    new_refresh_token,
    verify_password,
)
from app.auth.principal import Principal
from app.auth.tokens import AccessClaims, issue_access_token
from app.config import Settings
from app.errors import Conflict, FieldError, Forbidden, NotFound, Unauthorized
from app.kit import rate_limit
from app.kit.integrity import flush_or_conflict
from app.models.account import AuthSession, RefreshToken, User
from app.models.base import utcnow
from app.models.organization import Organization
from app.notifications import service as notifications
from app.organizations import service as organizations

EMAIL_TAKEN = "An account with this email already exists; log in or reset the password."
EMAIL_TAKEN_ZH = "该邮箱已注册账号，请直接登录或重置密码。"
BAD_CREDENTIALS = "Email or password is wrong."
BAD_CREDENTIALS_ZH = "邮箱或密码错误。"


class LoginFailed(Unauthorized):
    # The failure counters must survive the 401.
    keeps_changes = True


class RefreshTokenReused(Unauthorized):
    # The revoked family must stay revoked after the 401.
    keeps_changes = True


def user_out(user: User) -> UserOut:
    return UserOut(
        id=user.id,
        email=user.email,
        name=user.name,
        email_verified=user.email_verified_at is not None,
        phone=user.phone,
    )


def normalize_email(email: str) -> str:
    return email.strip().lower()


async def register(
    session: AsyncSession, data: RegisterIn, *, password_hash: str | None = None
) -> tuple[User, Organization]:
    """Create a user with a new, pending organization (409 when the email is taken).

    `password_hash` lets bulk loaders (demo data) hash a shared password once instead of per user.
    """
    email = normalize_email(data.email)
    if await repository.email_taken(session, email):
        raise Conflict(
            EMAIL_TAKEN,
            zh=EMAIL_TAKEN_ZH,
            errors=[FieldError(["body", "email"], EMAIL_TAKEN, EMAIL_TAKEN_ZH, type="conflict")],
        )
    organization = await organizations.create_organization(
        session, data.organization, loc=["body", "organization"]
    )
    user = User(
        email=email,
        name=data.name,
        password_hash=password_hash or await hash_password(data.password),
        organization_id=organization.id,
        role="owner",
    )
    session.add(user)
    await flush_or_conflict(session, {"uq_users_email": (["body", "email"], EMAIL_TAKEN, EMAIL_TAKEN_ZH)})
    return user, organization


@dataclass(frozen=True)
class Registration:
    user: User
    organization: Organization


async def register_from_client(
    session: AsyncSession, settings: Settings, data: RegisterIn, *, client: str
) -> Registration:
    """Registration as the public API offers it: throttled per client address, and an email that
    already has an account gets the same answer as a new one (nothing is created; the account's
    organization is told someone tried), so the form cannot be used to find out who has an account.

    The caller must keep the transaction's changes even when this raises (the attempt is counted
    first); the registration itself runs in a savepoint.
    """
    count, ends_at = await rate_limit.hit(session, key=f"register:client:{client}", window_seconds=3600)
    rate_limit.refuse_over(
        count, settings.registrations_per_client_per_hour, ends_at, what="registrations", what_zh="注册"
    )
    async with session.begin_nested():
        await organizations.release_stale_uscc(
            session, data.organization.uscc, hold_days=settings.pending_uscc_hold_days
        )
        existing = await repository.get_user_by_email(session, normalize_email(data.email))
        if existing is not None:
            return await _decoy(session, data, existing)
        user, organization = await register(session, data)
        await lifecycle.send_email_check(session, settings, user)
    return Registration(user, organization)


async def _decoy(session: AsyncSession, data: RegisterIn, existing: User) -> Registration:
    """What a registration with a taken email answers: shaped like a new pending account, stored
    nowhere (its ids lead to 404s, as a pending organization's do for outsiders). The USCC and codes are
    still checked, so the answer to a wrong one is the same as for a new email."""
    organization = await organizations.check_new_organization(
        session, data.organization, loc=["body", "organization"]
    )
    await hash_password(data.password)  # the same work, so the answer takes as long
    now = utcnow()
    organization.id, organization.created_at, organization.updated_at = uuid.uuid4(), now, now
    await notifications.notify(
        session,
        existing.organization_id,
        "registration_attempt",
        "有人尝试用您的邮箱注册新机构",
        f"有人用 {existing.email} 尝试注册机构「{data.organization.name}」。若是您本人，请直接登录；"
        "若忘记密码，请联系管理员。若不是您，无需处理，账号未受影响。",
        {},
    )
    user = User(
        id=uuid.uuid4(), email=existing.email, name=data.name, organization_id=organization.id, role="owner"
    )
    return Registration(user, organization)


async def create_admin(session: AsyncSession, *, email: str, password: str, name: str) -> User:
    """An admin user in the built-in admin organization (经信部门); command line only."""
    email = normalize_email(email)
    if await repository.email_taken(session, email):
        raise Conflict(EMAIL_TAKEN, zh=EMAIL_TAKEN_ZH)
    organization = await repository.get_admin_organization(session)
    if organization is None:
        organization = Organization(
            name="四川省经济和信息化厅", kind="admin", vetting_status="vetted", region_code="510100"
        )
        session.add(organization)
        await session.flush()
    user = User(
        email=email,
        name=name,
        password_hash=await hash_password(password),
        organization_id=organization.id,
        role="owner",
    )
    session.add(user)
    await session.flush()
    return user


async def admin_user_id(session: AsyncSession, email: str) -> uuid.UUID:
    """The id of the admin with this email, for command-line work done in an admin's name."""
    user = await repository.get_user_by_email(session, normalize_email(email))
    if user is None:
        raise NotFound(
            f"No user with the email {email!r}; create one with `python -m app create-admin`.",
            zh=f"没有邮箱为 {email!r} 的用户；请用 `python -m app create-admin` 创建。",
        )
    if await repository.get_organization_kind(session, user.organization_id) != "admin":
        raise Forbidden(f"{email!r} is not an admin.", zh=f"{email!r} 不是管理员。")
    return user.id


async def login(
    session: AsyncSession,
    settings: Settings,
    *,
    email: str,
    password: str,
    client: str,
    user_agent: str | None = None,
) -> TokenOut:
    """Check the password. Failures are counted per account and client together (a guesser elsewhere
    cannot lock the real user out), per client (one address trying many accounts) and per account over
    every client (many addresses on one account, a far higher limit); each waits with backoff."""
    email = normalize_email(email)
    pair_key = f"login:account-client:{email}|{client}"
    throttle = await rate_limit.backoff_or_wait(
        session,
        [
            rate_limit.Limit(pair_key, settings.login_max_failures_per_account_and_client),
            rate_limit.Limit(f"login:client:{client}", settings.login_max_failures_per_client),
            rate_limit.Limit(f"login:account:{email}", settings.login_max_failures_per_account),
        ],
        window_seconds=settings.login_failure_window_seconds,
        base_seconds=settings.login_backoff_base_seconds,
    )
    user = await repository.get_user_by_email(session, email)
    ok, rehashed = await verify_password(password, user.password_hash if user else None)
    if user is None or not ok or not user.is_active:
        throttle.failed()
        raise LoginFailed(BAD_CREDENTIALS, zh=BAD_CREDENTIALS_ZH)  # keeps the counted failures
    throttle.succeeded(pair_key)
    if rehashed is not None:
        user.password_hash = rehashed  # made at an older cost: kept at today's
    return await start_session(session, settings, user, client=client, user_agent=user_agent)


async def start_session(
    session: AsyncSession, settings: Settings, user: User, *, client: str, user_agent: str | None
) -> TokenOut:
    """A new login session for a user who proved who they are (password or texted code): a token pair."""
    now = utcnow()
    user.last_login_at = now
    auth_session = AuthSession(
        user_id=user.id,
        created_at=now,
        last_used_at=now,
        client_address=client[:64],
        user_agent=(user_agent or "")[:200] or None,
    )
    session.add(auth_session)
    await session.flush()
    return await _issue_pair(session, settings, user, auth_session.id)


async def refresh(session: AsyncSession, settings: Settings, *, refresh_token: str) -> TokenOut:
    """Rotate: the presented token dies and a new pair is issued. A dead token presented again is
    treated as stolen, and its whole login session (every token of the family) is revoked."""
    now = utcnow()
    stored = await repository.get_refresh_token_for_update(session, hash_refresh_token(refresh_token))
    if stored is None:
        raise Unauthorized("Unknown refresh token; log in again.", zh="刷新令牌无效，请重新登录。")
    auth_session = await repository.get_auth_session(session, stored.session_id)
    if auth_session is None or auth_session.revoked_at is not None:
        raise Unauthorized(
            "This login session has ended; log in again.", zh="本次登录会话已结束，请重新登录。"
        )
    if stored.used_at is not None:
        await repository.revoke_auth_session(session, auth_session.id, at=now, reason="refresh_token_reuse")
        raise RefreshTokenReused(
            "This refresh token was already used; the session is revoked. Log in again.",
            zh="该刷新令牌已被使用过，本次登录会话已被注销，请重新登录。",
        )
    if stored.expires_at <= now:
        raise Unauthorized("The refresh token has expired; log in again.", zh="刷新令牌已过期，请重新登录。")
    stored.used_at = now
    auth_session.last_used_at = now
    user = await repository.get_user(session, auth_session.user_id)
    if user is None or not user.is_active:
        raise Unauthorized("This account is disabled.", zh="该账号已被停用。")
    return await _issue_pair(session, settings, user, auth_session.id)


async def logout(session: AsyncSession, principal: Principal) -> None:
    """End the caller's login session: its access and refresh tokens stop working at once."""
    await repository.revoke_auth_session(session, principal.session_id, at=utcnow(), reason="logout")


async def _issue_pair(
    session: AsyncSession, settings: Settings, user: User, session_id: uuid.UUID
) -> TokenOut:
    organization_kind = await repository.get_organization_kind(session, user.organization_id)
    token, token_hash = new_refresh_token()
    session.add(
        RefreshToken(
            session_id=session_id,
            token_hash=token_hash,
            expires_at=utcnow() + timedelta(seconds=settings.refresh_token_ttl_seconds),
        )
    )
    await session.flush()
    access = issue_access_token(
        settings,
        AccessClaims(
            user_id=user.id,
            session_id=session_id,
            organization_id=user.organization_id,
            kind=organization_kind,
        ),
    )
    return TokenOut(access_token=access, refresh_token=token, expires_in=settings.access_token_ttl_seconds)


async def email_registered(session: AsyncSession, email: str) -> bool:
    return await repository.email_taken(session, normalize_email(email))
