"""Queries for financing products."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.kit.pagination import PageParams, keyset_page
from app.kit.sql import array_open_or_has, region_overlap
from app.models.financing import FinancingProduct
from app.models.organization import Organization


@dataclass(frozen=True)
class FinancingFilters:
    financing_type: str | None = None
    region_code: str | None = None
    industry_code: str | None = None
    task_type: str | None = None
    amount_cny: int | None = None
    relending_eligible: bool | None = None


async def get(
    session: AsyncSession, product_id: uuid.UUID, *, for_update: bool = False
) -> FinancingProduct | None:
    stmt = select(FinancingProduct).where(FinancingProduct.id == product_id)
    if for_update:
        # populate_existing: the row may already be in the session, read before the lock; reload it.
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return await session.scalar(stmt)


async def bank_status(session: AsyncSession, organization_id: uuid.UUID) -> str | None:
    return await session.scalar(select(Organization.vetting_status).where(Organization.id == organization_id))


async def page_active(
    session: AsyncSession, filters: FinancingFilters, params: PageParams
) -> tuple[list[FinancingProduct], str | None]:
    """Active products of vetted banks; a filter value matches products open to it."""
    stmt = (
        select(FinancingProduct)
        .join(Organization, Organization.id == FinancingProduct.organization_id)
        .where(FinancingProduct.is_active.is_(True), Organization.vetting_status == "vetted")
    )
    if filters.financing_type:
        stmt = stmt.where(FinancingProduct.financing_type == filters.financing_type)
    if filters.region_code:
        stmt = stmt.where(
            or_(
                func.cardinality(FinancingProduct.region_codes) == 0,
                FinancingProduct.region_codes.overlap(region_overlap(filters.region_code)),
            )
        )
    if filters.industry_code:
        stmt = stmt.where(array_open_or_has(FinancingProduct.industry_codes, filters.industry_code))
    if filters.task_type:
        stmt = stmt.where(array_open_or_has(FinancingProduct.task_types, filters.task_type))
    if filters.amount_cny is not None:
        stmt = stmt.where(
            FinancingProduct.amount_min_cny <= filters.amount_cny,
            FinancingProduct.amount_max_cny >= filters.amount_cny,
        )
    if filters.relending_eligible is not None:
        stmt = stmt.where(FinancingProduct.relending_eligible.is_(filters.relending_eligible))
    return await keyset_page(
        session, stmt, keys=[FinancingProduct.created_at, FinancingProduct.id], params=params
    )


async def page_owned(
    session: AsyncSession, organization_id: uuid.UUID, params: PageParams
) -> tuple[list[FinancingProduct], str | None]:
    stmt = select(FinancingProduct).where(FinancingProduct.organization_id == organization_id)
    return await keyset_page(
        session, stmt, keys=[FinancingProduct.created_at, FinancingProduct.id], params=params
    )
