"""Queries for products and their reviews."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.kit.pagination import PageParams, keyset_page
from app.kit.sql import array_has
from app.models.organization import Organization
from app.models.product import Product


@dataclass(frozen=True)
class ProductFilters:
    category_codes: list[str] | None = None
    industry_code: str | None = None
    region_code: str | None = None
    made_in_sichuan: bool | None = None
    energy_grade_max: int | None = None
    price_max_cny: int | None = None


async def get(session: AsyncSession, product_id: uuid.UUID, *, for_update: bool = False) -> Product | None:
    stmt = select(Product).where(Product.id == product_id)
    if for_update:
        # populate_existing: the row may already be in the session, read before the lock; reload it.
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return await session.scalar(stmt)


async def get_with_supplier(session: AsyncSession, product_id: uuid.UUID) -> tuple[Product, str, str] | None:
    """The product with its supplier's name and vetting status, in one query (the detail read path)."""
    stmt = (
        select(Product, Organization.name, Organization.vetting_status)
        .join(Organization, Organization.id == Product.organization_id)
        .where(Product.id == product_id)
    )
    row = (await session.execute(stmt)).first()
    return (row[0], row[1], row[2]) if row else None


async def supplier_status(session: AsyncSession, organization_id: uuid.UUID) -> str | None:
    return await session.scalar(select(Organization.vetting_status).where(Organization.id == organization_id))


async def page_listed(
    session: AsyncSession, filters: ProductFilters, params: PageParams
) -> tuple[list[Any], str | None]:
    """Listed products of vetted suppliers with the supplier's name (`supplier_name`), newest first.

    Plain column rows, not ORM entities: cheaper per page, and nothing here is modified.
    """
    stmt = (
        select(Product.__table__, Organization.name.label("supplier_name"))
        .join(Organization, Organization.id == Product.organization_id)
        .where(Product.status == "listed", Organization.vetting_status == "vetted")
    )
    if filters.category_codes:
        stmt = stmt.where(Product.category_code.in_(filters.category_codes))
    if filters.industry_code:
        stmt = stmt.where(array_has(Product.industry_codes, filters.industry_code))
    if filters.region_code:
        stmt = stmt.where(
            or_(
                func.cardinality(Product.service_region_codes) == 0,
                array_has(Product.service_region_codes, filters.region_code),
            )
        )
    if filters.made_in_sichuan is not None:
        stmt = stmt.where(Product.made_in_sichuan_verified.is_(filters.made_in_sichuan))
    if filters.energy_grade_max is not None:
        stmt = stmt.where(Product.energy_grade <= filters.energy_grade_max)
    if filters.price_max_cny is not None:
        stmt = stmt.where(Product.price_min_cny <= filters.price_max_cny)
    return await keyset_page(session, stmt, keys=[Product.listed_at, Product.id], params=params)


async def page_owned(
    session: AsyncSession, organization_id: uuid.UUID, status: str | None, params: PageParams
) -> tuple[list[Product], str | None]:
    stmt = select(Product).where(Product.organization_id == organization_id)
    if status:
        stmt = stmt.where(Product.status == status)
    return await keyset_page(session, stmt, keys=[Product.created_at, Product.id], params=params)


async def page_pending_review(session: AsyncSession, params: PageParams) -> tuple[list[Product], str | None]:
    stmt = select(Product).where(Product.status == "pending_review")
    return await keyset_page(
        session, stmt, keys=[Product.submitted_at, Product.id], params=params, direction="asc"
    )


async def get_refs(session: AsyncSession, product_ids: set[uuid.UUID]) -> dict[uuid.UUID, tuple[str, str]]:
    if not product_ids:
        return {}
    rows = await session.execute(
        select(Product.id, Product.name, Product.model).where(Product.id.in_(product_ids))
    )
    return {row.id: (row.name, row.model) for row in rows}
