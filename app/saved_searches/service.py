"""Saved searches: a supplier's or provider's standing search over new demands. When a demand is
published, each organization with a saved search it fits hears of it once."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import NotFound
from app.indexing import service as indexing
from app.kit.pagination import PageParams
from app.leads.schemas import SavedSearchCreate
from app.matching import priority, scoring
from app.models.base import utcnow
from app.models.demand import Demand
from app.models.lead import SavedSearch
from app.models.organization import Organization
from app.notifications import service as notifications
from app.organizations import quotas
from app.saved_searches import repository
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


def fits(
    saved: SavedSearch, demand: Demand, segmenter: Segmenter, tokens: set[str], region_path: list[str]
) -> bool:
    """Whether the demand meets every filter of the saved search and has all its words."""
    f: dict[str, Any] = saved.filters or {}
    if f.get("task_type") and f["task_type"] != demand.task_type:
        return False
    if f.get("industry_code") and not demand.industry_code.startswith(f["industry_code"]):
        return False
    if f.get("region_code") and f["region_code"] not in region_path:
        return False
    if f.get("category_code") and not any(
        priority.under(code, [f["category_code"]]) for code in demand.category_codes
    ):
        return False
    if f.get("budget_min_cny") and demand.budget_max_cny < int(f["budget_min_cny"]):
        return False
    return not saved.q or _words_found(segmenter, saved.q, tokens)


async def notify_on_publish(session: AsyncSession, demand: Demand) -> int:
    """Tell each organization with a saved search the newly published demand fits, once however many of
    its searches fit; returns how many were told. The exact filters are narrowed in SQL, the words and
    category here, matched as the search endpoint would match them."""
    catalog = await indexing.catalog_snapshot(session)
    segmenter = await indexing.segmenter(session)
    names = [catalog.categories[c].name for c in demand.category_codes if c in catalog.categories]
    tokens = set(segmenter.index_tokens(" ".join([demand.title, demand.description, *names])))
    notified: set[uuid.UUID] = set()
    candidates = await repository.candidates(
        session,
        task_type=demand.task_type,
        region_path=catalog.region_path(demand.region_code),
        industry_code=demand.industry_code,
        budget_max_cny=demand.budget_max_cny,
    )
    for saved in candidates:
        if saved.organization_id in notified or not fits(
            saved, demand, segmenter, tokens, catalog.region_path(demand.region_code)
        ):
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


def view(saved: SavedSearch) -> dict[str, Any]:
    """A saved search as the API shows it (shape: SavedSearchOut)."""
    return {
        "id": saved.id,
        "name": saved.name,
        "list": saved.list_name,
        "q": saved.q,
        "filters": saved.filters,
        "created_at": saved.created_at,
    }


async def create(
    session: AsyncSession,
    data: SavedSearchCreate,
    *,
    organization: Organization,
    user_id: uuid.UUID,
    vetted_limit: int,
    unvetted_limit: int,
) -> dict[str, Any]:
    """A new saved search of the organization, within its allowance (a smaller one until it is vetted: each
    saved search is work on every publication); its filters' codes are the caller's to have checked."""
    await quotas.ensure_room(
        session,
        organization,
        model=SavedSearch,
        vetted_limit=vetted_limit,
        unvetted_limit=unvetted_limit,
        what="saved searches",
        what_zh="保存的搜索",
    )
    saved = SavedSearch(
        organization_id=organization.id,
        user_id=user_id,
        name=data.name,
        list_name=data.list,
        q=data.q,
        filters=data.filters.model_dump(exclude_none=True),
        created_at=utcnow(),
    )
    session.add(saved)
    await session.flush()
    return view(saved)


async def page(
    session: AsyncSession, organization_id: uuid.UUID, params: PageParams
) -> tuple[list[SavedSearch], str | None]:
    """The organization's saved searches, newest first."""
    return await repository.page_owned(session, organization_id, params)


async def delete(session: AsyncSession, saved_search_id: uuid.UUID, organization_id: uuid.UUID) -> None:
    """Delete one of the organization's saved searches (404 for another organization's)."""
    saved = await repository.get(session, saved_search_id)
    if saved is None or saved.organization_id != organization_id:
        raise NotFound("No such saved search.", zh="没有这个已保存的搜索。")
    await repository.delete(session, saved)
    await session.flush()
