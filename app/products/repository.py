"""Queries for products and their reviews."""

from __future__ import annotations

import functools
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, Select, String, bindparam, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.kit.pagination import PageParams, core_page, keyset_page, keyset_statement
from app.kit.sql import bind_for, region_overlap
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


async def supplier_status(session: AsyncSession, organization_id: uuid.UUID) -> str | None:
    return await session.scalar(select(Organization.vetting_status).where(Organization.id == organization_id))


_P = Product.__table__.c
_O = Organization.__table__.c
LISTED_KEYS = (_P.listed_at, _P.id)


@functools.cache
def _detail_statement() -> Select[Any]:
    return (
        select(Product.__table__, _O.name.label("supplier_name"), _O.vetting_status.label("supplier_status"))
        .join(Organization.__table__, _O.id == _P.organization_id)
        .where(_P.id == bindparam("product_id", type_=_P.id.type))
    )


async def detail_row(session: AsyncSession, product_id: uuid.UUID) -> Row[Any] | None:
    """The product's columns with its supplier's name and vetting status, as a plain row: the detail
    read, on a statement built once and run on the session's connection (no ORM entity to set up)."""
    connection = await session.connection()
    row: Row[Any] | None = (await connection.execute(_detail_statement(), {"product_id": product_id})).first()
    return row


@functools.cache
def _listed_statement(shape: tuple[bool, ...], after: bool) -> Select[Any]:
    """The public list query for one filter shape, built once (binds carry the values)."""
    categories, industry, region, made_in_sichuan, energy, price = shape
    stmt = (
        select(Product.__table__, _O.name.label("supplier_name"))
        .join(Organization.__table__, _O.id == _P.organization_id)
        .where(_P.status == "listed", _O.vetting_status == "vetted")
    )
    if categories:
        stmt = stmt.where(
            _P.category_code == func.any(bind_for("category_codes", _P.category_code, array=True))
        )
    if industry:
        stmt = stmt.where(_P.industry_codes.contains(bind_for("industry_code", _P.industry_codes)))
    if region:
        stmt = stmt.where(
            or_(
                func.cardinality(_P.service_region_codes) == 0,
                _P.service_region_codes.overlap(region_overlap(bindparam("region_code", type_=String(6)))),
            )
        )
    if made_in_sichuan:
        stmt = stmt.where(
            _P.made_in_sichuan_verified == bind_for("made_in_sichuan", _P.made_in_sichuan_verified)
        )
    if energy:
        stmt = stmt.where(_P.energy_grade <= bind_for("energy_grade_max", _P.energy_grade))
    if price:
        stmt = stmt.where(_P.price_min_cny <= bind_for("price_max_cny", _P.price_min_cny))
    return keyset_statement(stmt, keys=LISTED_KEYS, after=after)


async def page_listed(
    session: AsyncSession, filters: ProductFilters, params: PageParams
) -> tuple[list[Any], str | None]:
    """Listed products of vetted suppliers with the supplier's name (`supplier_name`), newest first.

    Plain column rows from a statement built once per filter shape: nothing here is modified, and
    building and ORM-compiling the query cost more than PostgreSQL takes to run it.
    """
    binds: dict[str, Any] = {
        "category_codes": filters.category_codes or None,
        "industry_code": [filters.industry_code] if filters.industry_code else None,
        "region_code": filters.region_code,
        "made_in_sichuan": filters.made_in_sichuan,
        "energy_grade_max": filters.energy_grade_max,
        "price_max_cny": filters.price_max_cny,
    }
    shape = tuple(value is not None for value in binds.values())
    paged = _listed_statement(shape, params.cursor is not None)
    return await core_page(
        session,
        paged,
        keys=LISTED_KEYS,
        params=params,
        binds={name: value for name, value in binds.items() if value is not None},
    )


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
