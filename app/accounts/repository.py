"""Queries for users, login sessions and refresh tokens."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.account import AuthSession, RefreshToken, User
from app.models.organization import Organization


async def get_user_by_email(session: AsyncSession, email: str) -> User | None:
    return await session.scalar(select(User).where(User.email == email))


async def email_taken(session: AsyncSession, email: str) -> bool:
    return await session.scalar(select(User.id).where(User.email == email)) is not None


async def get_refresh_token_for_update(session: AsyncSession, token_hash: bytes) -> RefreshToken | None:
    # Row lock: two concurrent refreshes with one token must not both succeed.
    stmt = (
        select(RefreshToken)
        .where(RefreshToken.token_hash == token_hash)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return await session.scalar(stmt)


async def get_auth_session(session: AsyncSession, session_id: uuid.UUID) -> AuthSession | None:
    return await session.get(AuthSession, session_id)


async def revoke_auth_session(
    session: AsyncSession, session_id: uuid.UUID, *, at: datetime, reason: str
) -> None:
    await session.execute(
        update(AuthSession)
        .where(AuthSession.id == session_id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=at, revoked_reason=reason)
    )


async def get_user(session: AsyncSession, user_id: uuid.UUID) -> User | None:
    return await session.get(User, user_id)


async def get_organization_kind(session: AsyncSession, organization_id: uuid.UUID) -> str:
    return (
        await session.execute(select(Organization.kind).where(Organization.id == organization_id))
    ).scalar_one()


async def get_admin_organization(session: AsyncSession) -> Organization | None:
    stmt = select(Organization).where(Organization.kind == "admin").order_by(Organization.created_at).limit(1)
    return await session.scalar(stmt)
