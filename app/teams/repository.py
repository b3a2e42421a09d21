"""Queries for members and invitations."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.kit.pagination import PageParams, keyset_page
from app.models.account import Invitation, User
from app.models.organization import Organization

ACTIVE = (User.is_active.is_(True), User.left_organization_at.is_(None))


async def lock_organization(session: AsyncSession, organization_id: uuid.UUID) -> Organization | None:
    """The organization, its row locked: team changes in one organization run one at a time, so two
    owners demoting each other at once cannot leave it with none."""
    stmt = (
        select(Organization)
        .where(Organization.id == organization_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return await session.scalar(stmt)


async def members_by_id(session: AsyncSession, organization_id: uuid.UUID) -> dict[uuid.UUID, User]:
    """The organization's active members (a team is a handful of people; read under the team lock)."""
    stmt = (
        select(User)
        .where(User.organization_id == organization_id, *ACTIVE)
        .execution_options(populate_existing=True)
    )
    return {user.id: user for user in await session.scalars(stmt)}


async def page_members(
    session: AsyncSession, organization_id: uuid.UUID, params: PageParams
) -> tuple[list[Any], str | None]:
    stmt = select(User).where(User.organization_id == organization_id, *ACTIVE)
    return await keyset_page(session, stmt, keys=[User.joined_at, User.id], params=params, direction="asc")


async def get_user_by_email(session: AsyncSession, email: str, *, for_update: bool = False) -> User | None:
    stmt = select(User).where(User.email == email)
    if for_update:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return await session.scalar(stmt)


async def open_invitation(session: AsyncSession, organization_id: uuid.UUID, email: str) -> Invitation | None:
    stmt = (
        select(Invitation)
        .where(
            Invitation.organization_id == organization_id,
            Invitation.email == email,
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
        )
        .with_for_update()
    )
    return await session.scalar(stmt)


async def get_invitation(
    session: AsyncSession, organization_id: uuid.UUID, invitation_id: uuid.UUID
) -> Invitation | None:
    stmt = (
        select(Invitation)
        .where(Invitation.id == invitation_id, Invitation.organization_id == organization_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return await session.scalar(stmt)


async def invitation_by_token(session: AsyncSession, token_hash: bytes) -> Invitation | None:
    stmt = (
        select(Invitation)
        .where(Invitation.token_hash == token_hash)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return await session.scalar(stmt)


async def page_invitations(
    session: AsyncSession, organization_id: uuid.UUID, params: PageParams
) -> tuple[list[Any], str | None]:
    stmt = select(Invitation).where(Invitation.organization_id == organization_id)
    return await keyset_page(session, stmt, keys=[Invitation.created_at, Invitation.id], params=params)
