"""Queries for the expert pool."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import case, func, literal, literal_column, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.kit.pagination import PageParams, keyset_page
from app.models.account import User
from app.models.demand import Demand
from app.models.expert import Expert
from app.models.organization import Organization
from app.models.quote import Quote


def _with_member() -> Any:
    return (
        select(Expert, User, Organization)
        .join(User, User.id == Expert.user_id)
        .join(Organization, Organization.id == User.organization_id)
    )


def _prefix(code: Any) -> Any:
    """SQL for app/auth/scope.py:prefix (GB/T 2260: 51 the province, 5106 德阳, 510603 旌阳区)."""
    return case(
        (func.right(code, 4) == "0000", func.left(code, 2)),
        (func.right(code, 2) == "00", func.left(code, 4)),
        else_=code,
    )


async def get(session: AsyncSession, expert_id: uuid.UUID) -> tuple[Expert, User, Organization] | None:
    row = (await session.execute(_with_member().where(Expert.id == expert_id))).first()
    return (row[0], row[1], row[2]) if row is not None else None


async def page(
    session: AsyncSession,
    params: PageParams,
    *,
    region_code: str | None,
    region_prefix: str | None,
    industry_code: str | None,
    field: str | None,
) -> tuple[list[Any], str | None]:
    """Active experts serving the region (theirs covers it, or lies inside it), newest first."""
    stmt = _with_member().where(Expert.active.is_(True))
    if region_code is not None and region_prefix is not None:
        stmt = stmt.where(
            or_(
                Expert.region_code.startswith(region_prefix, autoescape=True),
                literal(region_code).startswith(_prefix(Expert.region_code)),
            )
        )
    if industry_code is not None:
        stmt = stmt.where(
            or_(
                func.cardinality(Expert.industry_codes) == 0,
                select(literal(1))
                .select_from(func.unnest(Expert.industry_codes).table_valued("code").render_derived("c"))
                .where(literal(industry_code).startswith(literal_column("c.code")))
                .exists(),
            )
        )
    if field is not None:
        stmt = stmt.where(Expert.fields.contains([field]))
    return await keyset_page(session, stmt, keys=[Expert.created_at, Expert.id], params=params)


async def live_quotes(session: AsyncSession, organization_id: uuid.UUID, enterprise_id: uuid.UUID) -> int:
    """How many live quotes an organization has on an enterprise's demands (a conflict of interest)."""
    stmt = (
        select(func.count())
        .select_from(Quote)
        .join(Demand, Demand.id == Quote.demand_id)
        .where(
            Quote.organization_id == organization_id,
            Demand.organization_id == enterprise_id,
            Quote.status != "withdrawn",
        )
    )
    return int(await session.scalar(stmt) or 0)
