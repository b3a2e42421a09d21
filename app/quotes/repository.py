"""Queries for quotes."""

from __future__ import annotations

import uuid
from typing import Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.kit.pagination import PageParams, keyset_page
from app.models.quote import Quote


async def get(session: AsyncSession, quote_id: uuid.UUID, *, for_update: bool = False) -> Quote | None:
    stmt = select(Quote).where(Quote.id == quote_id)
    if for_update:
        # populate_existing: the row may already be in the session, read before the lock; reload it.
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return await session.scalar(stmt)


async def page_for_demand(
    session: AsyncSession,
    demand_id: uuid.UUID,
    *,
    organization_id: uuid.UUID | None,
    sort: Literal["created", "price"],
    params: PageParams,
) -> tuple[list[Quote], str | None]:
    """A demand's quotes (only one organization's when `organization_id` is given)."""
    stmt = select(Quote).where(Quote.demand_id == demand_id)
    if organization_id is not None:
        stmt = stmt.where(Quote.organization_id == organization_id)
    if sort == "price":
        return await keyset_page(
            session, stmt, keys=[Quote.price_cny, Quote.id], params=params, direction="asc"
        )
    return await keyset_page(session, stmt, keys=[Quote.created_at, Quote.id], params=params)


async def page_for_organization(
    session: AsyncSession, organization_id: uuid.UUID, params: PageParams
) -> tuple[list[Quote], str | None]:
    stmt = select(Quote).where(Quote.organization_id == organization_id)
    return await keyset_page(session, stmt, keys=[Quote.created_at, Quote.id], params=params)
