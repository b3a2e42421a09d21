"""Queries for organizations and their vetting decisions."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.kit.pagination import PageParams, keyset_page
from app.models.account import User
from app.models.organization import Organization, VettingDecision


async def get(
    session: AsyncSession, organization_id: uuid.UUID, *, for_update: bool = False
) -> Organization | None:
    stmt = select(Organization).where(Organization.id == organization_id)
    if for_update:
        # populate_existing: the row may already be in the session, read before the lock; reload it.
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return await session.scalar(stmt)


async def get_user_names(session: AsyncSession, user_ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not user_ids:
        return {}
    rows = await session.execute(select(User.id, User.name).where(User.id.in_(user_ids)))
    return {row.id: row.name for row in rows}


async def page_pending(session: AsyncSession, params: PageParams) -> tuple[list[Organization], str | None]:
    """Pending organizations, oldest first: a queue."""
    stmt = select(Organization).where(Organization.vetting_status == "pending")
    return await keyset_page(
        session, stmt, keys=[Organization.created_at, Organization.id], params=params, direction="asc"
    )


async def page_decisions(
    session: AsyncSession, organization_id: uuid.UUID, params: PageParams
) -> tuple[list[Any], str | None]:
    stmt = select(VettingDecision).where(VettingDecision.organization_id == organization_id)
    return await keyset_page(
        session, stmt, keys=[VettingDecision.decided_at, VettingDecision.id], params=params
    )


async def get_names(session: AsyncSession, organization_ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not organization_ids:
        return {}
    rows = await session.execute(
        select(Organization.id, Organization.name).where(Organization.id.in_(organization_ids))
    )
    return {row.id: row.name for row in rows}


async def uscc_holder(session: AsyncSession, uscc: str, *, for_update: bool = False) -> Organization | None:
    """The organization that holds this 统一社会信用代码 (any not rejected)."""
    stmt = select(Organization).where(Organization.uscc == uscc, Organization.vetting_status != "rejected")
    if for_update:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return await session.scalar(stmt)
