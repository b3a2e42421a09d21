"""Queries for demands."""

from __future__ import annotations

import functools
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, Select, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.kit.pagination import PageParams, core_page, keyset_page, keyset_statement
from app.kit.sql import bind_for, region_within
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


_D = Demand.__table__.c
_O = Organization.__table__.c
PUBLISHED_KEYS = (_D.published_at, _D.id)


@functools.cache
def _detail_statement() -> Select[Any]:
    return (
        select(Demand.__table__, _O.name.label("organization_name"), _O.vetting_status.label("owner_status"))
        .join(Organization.__table__, _O.id == _D.organization_id)
        .where(_D.id == bindparam("demand_id", type_=_D.id.type))
    )


async def detail_row(session: AsyncSession, demand_id: uuid.UUID) -> Row[Any] | None:
    """The demand's columns with its organization's name and vetting status, as a plain row: the detail
    read, on a statement built once and run on the session's connection (no ORM entity to set up)."""
    connection = await session.connection()
    row: Row[Any] | None = (await connection.execute(_detail_statement(), {"demand_id": demand_id})).first()
    return row


@functools.cache
def _published_statement(shape: tuple[bool, ...], after: bool) -> Select[Any]:
    """The public list query for one filter shape, built once (binds carry the values)."""
    task_type, industry, region, categories = shape
    stmt = (
        select(Demand.__table__, _O.name.label("organization_name"))
        .join(Organization.__table__, _O.id == _D.organization_id)
        .where(_D.status == "published", _O.vetting_status == "vetted")
    )
    if task_type:
        stmt = stmt.where(_D.task_type == bind_for("task_type", _D.task_type))
    if industry:
        stmt = stmt.where(_D.industry_code == bind_for("industry_code", _D.industry_code))
    if region:
        stmt = stmt.where(_D.region_code.in_(region_within(bind_for("region_code", _D.region_code))))
    if categories:
        stmt = stmt.where(_D.category_codes.overlap(bind_for("category_codes", _D.category_codes)))
    return keyset_statement(stmt, keys=PUBLISHED_KEYS, after=after)


async def page_published(
    session: AsyncSession, filters: DemandFilters, params: PageParams
) -> tuple[list[Any], str | None]:
    """Published demands with their organization's name (`organization_name`), newest first.

    Plain column rows from a statement built once per filter shape: nothing here is modified, and
    building and ORM-compiling the query cost more than PostgreSQL takes to run it.
    """
    binds: dict[str, Any] = {
        "task_type": filters.task_type,
        "industry_code": filters.industry_code,
        "region_code": filters.region_code,
        "category_codes": filters.category_codes or None,
    }
    shape = tuple(value is not None for value in binds.values())
    return await core_page(
        session,
        _published_statement(shape, params.cursor is not None),
        keys=PUBLISHED_KEYS,
        params=params,
        binds={name: value for name, value in binds.items() if value is not None},
    )


async def page_owned(
    session: AsyncSession, organization_id: uuid.UUID, status: str | None, params: PageParams
) -> tuple[list[Demand], str | None]:
    stmt = select(Demand).where(Demand.organization_id == organization_id)
    if status:
        stmt = stmt.where(Demand.status == status)
    return await keyset_page(session, stmt, keys=[Demand.created_at, Demand.id], params=params)
