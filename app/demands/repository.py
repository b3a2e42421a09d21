"""Queries for demands."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.kit.pagination import PageParams, keyset_page
from app.models.demand import Demand
from app.models.organization import Organization


@dataclass(frozen=True)
class DemandFilters:
    task_type: str | None = None
    industry_code: str | None = None
    region_code: str | None = None
    # The filter category and everything under it (expanded by the catalog service).
    category_codes: list[str] | None = None


async def get(session: AsyncSession, demand_id: uuid.UUID, *, for_update: bool = False) -> Demand | None:
    stmt = select(Demand).where(Demand.id == demand_id)
    if for_update:
        # populate_existing: the row may already be in the session, read before the lock; reload it.
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return await session.scalar(stmt)


async def get_with_owner(session: AsyncSession, demand_id: uuid.UUID) -> tuple[Demand, str, str] | None:
    """The demand with its organization's name and vetting status, in one query (the read path)."""
    stmt = (
        select(Demand, Organization.name, Organization.vetting_status)
        .join(Organization, Organization.id == Demand.organization_id)
        .where(Demand.id == demand_id)
    )
    row = (await session.execute(stmt)).first()
    return (row[0], row[1], row[2]) if row else None


async def page_published(
    session: AsyncSession, filters: DemandFilters, params: PageParams
) -> tuple[list[Any], str | None]:
    """Published demands with their organization's name (`organization_name`), newest first.

    Plain column rows, not ORM entities: a third cheaper per page, and nothing here is modified.
    """
    stmt = (
        select(Demand.__table__, Organization.name.label("organization_name"))
        .join(Organization, Organization.id == Demand.organization_id)
        .where(Demand.status == "published", Organization.vetting_status == "vetted")
    )
    if filters.task_type:
        stmt = stmt.where(Demand.task_type == filters.task_type)
    if filters.industry_code:
        stmt = stmt.where(Demand.industry_code == filters.industry_code)
    if filters.region_code:
        stmt = stmt.where(Demand.region_code == filters.region_code)
    if filters.category_codes:
        stmt = stmt.where(Demand.category_codes.overlap(filters.category_codes))
    return await keyset_page(session, stmt, keys=[Demand.published_at, Demand.id], params=params)


async def page_owned(
    session: AsyncSession, organization_id: uuid.UUID, status: str | None, params: PageParams
) -> tuple[list[Demand], str | None]:
    stmt = select(Demand).where(Demand.organization_id == organization_id)
    if status:
        stmt = stmt.where(Demand.status == status)
    return await keyset_page(session, stmt, keys=[Demand.created_at, Demand.id], params=params)
