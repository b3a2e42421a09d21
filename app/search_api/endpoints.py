"""Full-text search over the demand list, the supply list, the provider directory and financing products."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request

from app.catalog.service import require_code
from app.config import Settings
from app.deps import SessionDep
from app.financing.schemas import FinancingTypeCode
from app.indexing import service as indexing
from app.kernel import CategoryCode, IndustryCode, ProviderType, RegionCode, TaskType
from app.kit import rate_limit
from app.kit.client_ip import client_address
from app.kit.inputs import WITHOUT_NUL
from app.kit.pagination import PageParamsDep
from app.kit.problems import problems
from app.kit.responses import FastJSONResponse
from app.models.catalog import EquipmentCategory, FinancingType
from app.search_api import service
from app.search_api.schemas import (
    DemandSearchResults,
    FinancingProductSearchResults,
    ProductSearchResults,
    ProviderSearchResults,
)
from search.engine import Filter, SearchQuery


async def _rate_limited(request: Request) -> None:
    """`SEARCH_REQUESTS_PER_CLIENT_PER_MINUTE` per client address, shared by every API process."""
    settings: Settings = request.app.state.settings
    client = client_address(request, settings.trusted_proxy_networks)
    count, ends_at = await rate_limit.hit_apart(
        request.app.state.read_sessionmaker, key=f"search:client:{client}", window_seconds=60
    )
    rate_limit.refuse_over(
        count, settings.search_requests_per_client_per_minute, ends_at, what="searches", what_zh="搜索"
    )


router = APIRouter(prefix="/search", tags=["search"], dependencies=[Depends(_rate_limited)])
Q = Annotated[
    str,
    Query(
        max_length=200,
        pattern=WITHOUT_NUL,
        description="Words as people type them: 单晶炉, JW-800, PECVD, MES…",
    ),
]


async def _region(session: SessionDep, field: str, code: str | None, *, area: bool) -> list[Filter]:
    """A 市州 covers its 区县: where something is (`area=False`) must lie in the region; a service area
    (`area=True`) must reach into it (cover the region, or a region above or under it)."""
    if code is None:
        return []
    catalog = await indexing.catalog_snapshot(session)
    return [Filter(field, "any", catalog.region_overlap(code) if area else catalog.region_within(code))]


def _eq(field: str, value: Any) -> list[Filter]:
    return [] if value is None else [Filter(field, "any", (value,))]


async def _respond(
    request: Request,
    session: SessionDep,
    index: str,
    q: str,
    filters: list[Filter],
    sort: str | None,
    page: PageParamsDep,
) -> FastJSONResponse:
    query = SearchQuery(q=q, filters=filters, sort=sort, limit=page.limit, cursor=page.cursor)
    result = await service.search(session, getattr(request.app.state, "meili", None), index, query)
    return FastJSONResponse(
        {
            "items": result.hits,
            "next_cursor": result.next_cursor,
            "facets": result.facets,
            "total_estimate": result.total_estimate,
            "engine": result.engine,
            "term_matching": {
                "strategy": result.term_matching.strategy,
                "dropped_terms": (
                    None
                    if result.term_matching.dropped_terms is None
                    else list(result.term_matching.dropped_terms)
                ),
            },
        }
    )


async def _category(session: SessionDep, code: str | None) -> list[Filter]:
    if code is None:
        return []
    await require_code(session, EquipmentCategory, code, loc=["query", "category_code"])
    return [Filter("category_paths", "any", (code,))]


@router.get(
    "/demands",
    response_model=DemandSearchResults,
    operation_id="search_demands",
    responses=problems(422, 429),
    summary="Search published demands (设备更新需求清单)",
)
async def search_demands(
    request: Request,
    session: SessionDep,
    page: PageParamsDep,
    q: Q = "",
    task_type: TaskType | None = None,
    industry_code: IndustryCode | None = None,
    region_code: RegionCode | None = None,
    category_code: CategoryCode | None = None,
    sort: Literal["relevance", "newest", "budget_desc"] | None = None,
) -> FastJSONResponse:
    """Public full-text search over published demands, with filters and facets; `sort` defaults to
    relevance when `q` is given. Served by Meilisearch when configured and reachable, else by
    PostgreSQL (`engine` says which). Words match in Chinese or English (激光 ↔ laser); when no demand has
    every word, words are dropped from the end of `q` and `term_matching` says so. Page with `cursor`: a
    cursor works only with the engine and sort that made it (422 otherwise)."""
    filters = [
        *_eq("task_type", task_type),
        *_eq("industry_code", industry_code),
        *await _region(session, "region_code", region_code, area=False),
        *await _category(session, category_code),
    ]
    return await _respond(request, session, "demands", q, filters, sort, page)


@router.get(
    "/products",
    response_model=ProductSearchResults,
    operation_id="search_products",
    responses=problems(422, 429),
    summary="Search the quality supply list (优质产品供给清单)",
)
async def search_products(
    request: Request,
    session: SessionDep,
    page: PageParamsDep,
    q: Q = "",
    category_code: CategoryCode | None = None,
    industry_code: IndustryCode | None = None,
    region_code: RegionCode | None = None,
    made_in_sichuan: bool | None = None,
    energy_grade_max: Annotated[int | None, Query(ge=1, le=3)] = None,
    price_max_cny: Annotated[int | None, Query(ge=0, le=10**12)] = None,
    sort: Literal["relevance", "newest", "price_asc", "price_desc"] | None = None,
) -> FastJSONResponse:
    """Public full-text search over the supply list (listed products of vetted suppliers), with
    filters and facets; `category_code` takes the category and everything below it, `price_max_cny`
    keeps products whose lowest price fits. Words match in Chinese or English (空压机 ↔ air compressor);
    when no product has every word, words are dropped from the end of `q` (`term_matching`). Served by
    Meilisearch or PostgreSQL (`engine`); page with `cursor`, valid only for the engine and sort that
    made it."""
    filters = [
        *_eq("industry_codes", industry_code),
        *await _region(session, "region_codes", region_code, area=True),
        *_eq("made_in_sichuan", made_in_sichuan),
    ]
    if category_code is not None:
        await require_code(session, EquipmentCategory, category_code, loc=["query", "category_code"])
        filters.append(Filter("category_path", "any", (category_code,)))
    if energy_grade_max is not None:
        filters.append(Filter("energy_grade", "lte", (energy_grade_max,)))
    if price_max_cny is not None:
        filters.append(Filter("price_min_cny", "lte", (price_max_cny,)))
    return await _respond(request, session, "products", q, filters, sort, page)


@router.get(
    "/providers",
    response_model=ProviderSearchResults,
    operation_id="search_providers",
    responses=problems(422, 429),
    summary="Search the provider directory (名录)",
)
async def search_providers(
    request: Request,
    session: SessionDep,
    page: PageParamsDep,
    q: Q = "",
    provider_type: ProviderType | None = None,
    region_code: RegionCode | None = None,
    industry_code: IndustryCode | None = None,
    sort: Literal["relevance", "newest"] | None = None,
) -> FastJSONResponse:
    """Public full-text search over the provider directory (vetted providers), with filters and
    facets. Served by Meilisearch or PostgreSQL (`engine`); page with `cursor`, valid only for the
    engine and sort that made it."""
    filters = [
        *_eq("provider_types", provider_type),
        *await _region(session, "region_codes", region_code, area=True),
        *_eq("industry_codes", industry_code),
    ]
    return await _respond(request, session, "providers", q, filters, sort, page)


@router.get(
    "/financing-products",
    response_model=FinancingProductSearchResults,
    operation_id="search_financing_products",
    responses=problems(422, 429),
    summary="Search banks' financing products",
)
async def search_financing_products(
    request: Request,
    session: SessionDep,
    page: PageParamsDep,
    q: Q = "",
    financing_type: FinancingTypeCode | None = None,
    region_code: RegionCode | None = None,
    industry_code: IndustryCode | None = None,
    task_type: TaskType | None = None,
    amount_cny: Annotated[int | None, Query(ge=1, le=10**12)] = None,
    relending_eligible: bool | None = None,
    sort: Literal["relevance", "newest", "amount_desc"] | None = None,
) -> FastJSONResponse:
    """Public full-text search over active financing products of vetted banks; `amount_cny` keeps
    products that lend that amount, an unknown `financing_type` is 422. Served by Meilisearch or
    PostgreSQL (`engine`); page with `cursor`, valid only for the engine and sort that made it."""
    if financing_type is not None:
        await require_code(session, FinancingType, financing_type, loc=["query", "financing_type"])
    filters = [
        *_eq("financing_type", financing_type),
        *await _region(session, "region_codes", region_code, area=True),
        *_eq("industry_codes", industry_code),
        *_eq("task_types", task_type),
        *_eq("relending_eligible", relending_eligible),
    ]
    if amount_cny is not None:
        filters += [
            Filter("amount_min_cny", "lte", (amount_cny,)),
            Filter("amount_max_cny", "gte", (amount_cny,)),
        ]
    return await _respond(request, session, "financing_products", q, filters, sort, page)
