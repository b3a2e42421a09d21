"""Queries for saved searches."""

from __future__ import annotations

import uuid

from sqlalchemy import ColumnElement, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.kit.pagination import PageParams, keyset_page
from app.models.demand import Demand
from app.models.lead import SavedSearch
from app.models.organization import Organization


def _filter_allows(key: str, value: str, *, prefix: bool = False) -> ColumnElement[bool]:
    """The saved search sets no `key` filter, or one `value` meets (equal, or a prefix of it)."""
    wanted = SavedSearch.filters[key].astext
    met = literal(value).startswith(wanted) if prefix else wanted == value
    return or_(wanted.is_(None), met)


async def candidates(
    session: AsyncSession,
    *,
    task_type: str,
    region_path: list[str],
    industry_code: str,
    budget_max_cny: int,
) -> list[SavedSearch]:
    """The saved searches over demands that a demand with these values could fit, narrowed by their exact
    filters (task, region, industry, budget) and held by organizations still in good standing (not
    suspended or rejected), oldest first. Words and category are checked in the service (`fits`)."""
    stmt = (
        select(SavedSearch)
        .join(Organization, Organization.id == SavedSearch.organization_id)
        .where(
            Organization.vetting_status.in_(("pending", "vetted")),
            SavedSearch.list_name == "demands",
            _filter_allows("task_type", task_type),
            # A search for a 市州 hears of demands in its 区县: the filter is on the demand's region's path.
            or_(
                SavedSearch.filters["region_code"].astext.is_(None),
                SavedSearch.filters["region_code"].astext.in_(region_path),
            ),
            _filter_allows("industry_code", industry_code, prefix=True),
            or_(
                SavedSearch.filters["budget_min_cny"].astext.is_(None),
                func.cast(SavedSearch.filters["budget_min_cny"].astext, type_=Demand.budget_max_cny.type)
                <= budget_max_cny,
            ),
        )
        .order_by(SavedSearch.created_at, SavedSearch.id)
    )
    return list((await session.scalars(stmt)).all())


async def page_owned(
    session: AsyncSession, organization_id: uuid.UUID, params: PageParams
) -> tuple[list[SavedSearch], str | None]:
    stmt = select(SavedSearch).where(SavedSearch.organization_id == organization_id)
    return await keyset_page(session, stmt, keys=[SavedSearch.created_at, SavedSearch.id], params=params)


async def get(session: AsyncSession, saved_search_id: uuid.UUID) -> SavedSearch | None:
    return await session.get(SavedSearch, saved_search_id)


async def delete(session: AsyncSession, saved: SavedSearch) -> None:
    await session.delete(saved)
