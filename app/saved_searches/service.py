"""Saved searches: a supplier's or provider's standing search over new demands. When a demand is
published, each organization with a saved search it fits hears of it once."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import ColumnElement, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import NotFound
from app.indexing import service as indexing
from app.kit.pagination import PageParams, keyset_page
from app.matching import priority, scoring
from app.models.demand import Demand
from app.models.lead import SavedSearch
from app.models.organization import Organization
from app.notifications import service as notifications
from search.text import Segmenter


def _words_found(segmenter: Segmenter, q: str, tokens: set[str]) -> bool:
    """Every word of `q` is in the demand (a word matches through a synonym, as a prefix of a token, or by
    all its bigrams), as the search endpoint would match it."""
    for term in segmenter.query_terms(q):
        hit = any(alt in tokens or any(t.startswith(alt) for t in tokens) for alt in term.alternatives)
        hit = hit or any(all(any(t.startswith(w) for t in tokens) for w in p) for p in term.phrases)
        if not hit and not (term.bigrams and all(b in tokens for b in term.bigrams)):
            return False
    return True


def fits(saved: SavedSearch, demand: Demand, segmenter: Segmenter, tokens: set[str]) -> bool:
    f: dict[str, Any] = saved.filters or {}
    if f.get("task_type") and f["task_type"] != demand.task_type:
        return False
    if f.get("industry_code") and not demand.industry_code.startswith(f["industry_code"]):
        return False
    if f.get("region_code") and f["region_code"] != demand.region_code:
        return False
    if f.get("category_code") and not any(
        priority.under(code, [f["category_code"]]) for code in demand.category_codes
    ):
        return False
    if f.get("budget_min_cny") and demand.budget_max_cny < int(f["budget_min_cny"]):
        return False
    return not saved.q or _words_found(segmenter, saved.q, tokens)


def _filter_allows(key: str, value: str, *, prefix: bool = False) -> ColumnElement[bool]:
    """The saved search sets no `key` filter, or one `value` meets (equal, or a prefix of it)."""
    wanted = SavedSearch.filters[key].astext
    met = literal(value).startswith(wanted) if prefix else wanted == value
    return or_(wanted.is_(None), met)


def candidates(demand: Demand) -> Any:
    """The saved searches that could fit `demand`, narrowed in SQL by their exact filters (task, region,
    industry) and held by organizations still in good standing (not suspended or rejected). Words,
    category and budget are checked in Python (`fits`)."""
    return (
        select(SavedSearch)
        .join(Organization, Organization.id == SavedSearch.organization_id)
        .where(
            Organization.vetting_status.in_(("pending", "vetted")),
            SavedSearch.list_name == "demands",
            _filter_allows("task_type", demand.task_type),
            _filter_allows("region_code", demand.region_code),
            _filter_allows("industry_code", demand.industry_code, prefix=True),
            or_(
                SavedSearch.filters["budget_min_cny"].astext.is_(None),
                func.cast(SavedSearch.filters["budget_min_cny"].astext, type_=Demand.budget_max_cny.type)
                <= demand.budget_max_cny,
            ),
        )
        .order_by(SavedSearch.created_at, SavedSearch.id)
    )


async def notify_on_publish(session: AsyncSession, demand: Demand) -> int:
    catalog = await indexing.catalog_snapshot(session)
    segmenter = await indexing.segmenter(session)
    names = [catalog.categories[c].name for c in demand.category_codes if c in catalog.categories]
    tokens = set(segmenter.index_tokens(" ".join([demand.title, demand.description, *names])))
    notified: set[uuid.UUID] = set()
    for saved in (await session.scalars(candidates(demand))).all():
        if saved.organization_id in notified or not fits(saved, demand, segmenter, tokens):
            continue
        notified.add(saved.organization_id)
        await notifications.notify(
            session,
            saved.organization_id,
            "saved_search_match",
            f"「{saved.name}」有新需求：{demand.title}",
            f"{catalog.regions.get(demand.region_code, '')}，"
            f"预算{scoring.wan(demand.budget_min_cny)}–{scoring.wan(demand.budget_max_cny)}。",
            {"demand_id": str(demand.id), "saved_search_id": str(saved.id)},
        )
    return len(notified)


async def page(
    session: AsyncSession, organization_id: uuid.UUID, params: PageParams
) -> tuple[list[SavedSearch], str | None]:
    stmt = select(SavedSearch).where(SavedSearch.organization_id == organization_id)
    return await keyset_page(session, stmt, keys=[SavedSearch.created_at, SavedSearch.id], params=params)


async def delete(session: AsyncSession, saved_search_id: uuid.UUID, organization_id: uuid.UUID) -> None:
    saved = await session.get(SavedSearch, saved_search_id)
    if saved is None or saved.organization_id != organization_id:
        raise NotFound("No such saved search.", zh="没有这个已保存的搜索。")
    await session.delete(saved)
    await session.flush()
