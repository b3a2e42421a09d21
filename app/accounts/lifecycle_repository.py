"""Queries for the account lifecycle: single-use account tokens, sessions, throttles."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.kit.pagination import PageParams, keyset_page
from app.models.account import AccountToken, AuthSession, RateLimitBucket, RefreshToken, User


async def get_user(session: AsyncSession, user_id: uuid.UUID) -> User | None:
    stmt = select(User).where(User.id == user_id).with_for_update().execution_options(populate_existing=True)
    return await session.scalar(stmt)


async def void_tokens(session: AsyncSession, user_id: uuid.UUID, purpose: str) -> None:
    await session.execute(
        update(AccountToken)
        .where(
            AccountToken.user_id == user_id, AccountToken.purpose == purpose, AccountToken.used_at.is_(None)
        )
        .values(used_at=func.now())
    )


async def token_for_update(session: AsyncSession, token_hash: bytes, purpose: str) -> AccountToken | None:
    # Row lock: two requests with one token must not both use it.
    stmt = (
        select(AccountToken)
        .where(AccountToken.token_hash == token_hash, AccountToken.purpose == purpose)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return await session.scalar(stmt)


async def refresh_token(session: AsyncSession, token_hash: bytes) -> RefreshToken | None:
    return await session.scalar(select(RefreshToken).where(RefreshToken.token_hash == token_hash))


async def revoke_session(
    session: AsyncSession,
    session_id: uuid.UUID,
    *,
    at: datetime,
    reason: str,
    user_id: uuid.UUID | None = None,
) -> bool:
    """End one live session (only the user's own, when `user_id` is given); whether one ended."""
    stmt = update(AuthSession).where(AuthSession.id == session_id, AuthSession.revoked_at.is_(None))
    if user_id is not None:
        stmt = stmt.where(AuthSession.user_id == user_id)
    result = await session.execute(
        stmt.values(revoked_at=at, revoked_reason=reason).returning(AuthSession.id)
    )
    return result.first() is not None


async def revoke_sessions(
    session: AsyncSession, user_id: uuid.UUID, *, at: datetime, reason: str, keep: uuid.UUID | None = None
) -> None:
    """End every live session of the user, except `keep`."""
    stmt = update(AuthSession).where(AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None))
    if keep is not None:
        stmt = stmt.where(AuthSession.id != keep)
    await session.execute(stmt.values(revoked_at=at, revoked_reason=reason))


async def clear_login_throttle(session: AsyncSession, email: str) -> None:
    """Lift the failed-login counters on an account (after a reset proved the address is the user's)."""
    await session.execute(
        delete(RateLimitBucket).where(
            or_(
                RateLimitBucket.key == f"login:account:{email}",
                RateLimitBucket.key.startswith(f"login:account-client:{email}|", autoescape=True),
            )
        )
    )


async def page_live_sessions(
    session: AsyncSession, user_id: uuid.UUID, *, since: datetime, params: PageParams
) -> tuple[list[Any], str | None]:
    stmt = select(AuthSession).where(
        AuthSession.user_id == user_id,
        AuthSession.revoked_at.is_(None),
        func.coalesce(AuthSession.last_used_at, AuthSession.created_at) > since,
    )
    return await keyset_page(session, stmt, keys=[AuthSession.created_at, AuthSession.id], params=params)
