"""Public, read-only reference data. Small lists, served whole from memory and cacheable.

Reference data changes only when a deploy re-seeds it, so each process keeps every list's encoded
body and serves it without touching the database: read once, then again after `CATALOG_CACHE_SECONDS`
(a re-seed shows within that long, without a restart). The ETag is the body's hash
(app/kit/manners.py), so a client's `If-None-Match` gets a 304 from any process that holds the same data.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from app.catalog import labels, repository
from app.catalog.cache import Build
from app.catalog.schemas import (
    EnumLabel,
    EnumLabels,
    EquipmentCategoryList,
    EquipmentCategoryOut,
    FinancingTypeList,
    FinancingTypeOut,
    IndustryList,
    IndustryOut,
    RegionList,
    RegionOut,
    TaskTypeList,
    TaskTypeOut,
)
from app.errors import InvalidInput
from app.kernel import RegionCode, RegionLevel
from app.kit.problems import problems
from app.models.catalog import Region

router = APIRouter(prefix="/catalog", tags=["catalog"])
CACHE = "public, max-age=3600"
JSON = "application/json"


async def _served(request: Request, name: str, build: Build) -> Response:
    state = request.app.state
    body = await state.catalog_cache.body(name, build, state.read_sessionmaker)
    return Response(body, media_type=JSON, headers={"Cache-Control": CACHE})


def _regions(level: str | None, parent_code: str | None) -> Build:
    async def build(session: AsyncSession) -> RegionList:
        if parent_code is not None and await session.get(Region, parent_code) is None:
            raise InvalidInput(
                ["query", "parent_code"],
                f"unknown region code {parent_code!r}; see /api/v1/catalog/regions",
                zh=f"未知的地区代码 {parent_code!r}，请查阅 /api/v1/catalog/regions",
            )
        rows = await repository.list_regions(session, level=level, parent_code=parent_code)
        return RegionList(items=[RegionOut.model_validate(r) for r in rows])

    return build


async def _industries(session: AsyncSession) -> IndustryList:
    rows = await repository.list_industries(session)
    return IndustryList(items=[IndustryOut.model_validate(r) for r in rows])


async def _equipment_categories(session: AsyncSession) -> EquipmentCategoryList:
    rows = await repository.list_equipment_categories(session)
    return EquipmentCategoryList(items=[EquipmentCategoryOut.model_validate(r) for r in rows])


async def _task_types(session: AsyncSession) -> TaskTypeList:
    rows = await repository.list_task_types(session)
    return TaskTypeList(items=[TaskTypeOut.model_validate(r) for r in rows])


async def _financing_types(session: AsyncSession) -> FinancingTypeList:
    rows = await repository.list_financing_types(session)
    return FinancingTypeList(items=[FinancingTypeOut.model_validate(r) for r in rows])


async def _labels(_session: AsyncSession) -> EnumLabels:
    return EnumLabels(
        {
            name: {value: EnumLabel(zh=zh, en=en) for value, (zh, en) in values.items()}
            for name, values in labels.ENUMS.items()
        }
    )


@router.get(
    "/regions",
    summary="Sichuan's 市州 and 区县 by GB/T 2260 code",
    operation_id="list_regions",
    response_model=RegionList,
    responses=problems(422),
)
async def list_regions(
    request: Request,
    level: Annotated[
        RegionLevel | None,
        Query(description="`city` (the 21 市州, the default without `parent_code`), `county` or `province`."),
    ] = None,
    parent_code: Annotated[
        RegionCode | None, Query(description="Only the regions directly under this one (a 市州's 区县).")
    ] = None,
) -> Response:
    """Public: Sichuan's regions as a tree (province → 市州 → 区县) with their GB/T 2260 codes, ordered by
    code, the whole list in one response (no paging), cacheable for an hour. Without filters, the 21
    市州; `level=county` all 183 区县; `parent_code=510600` 德阳's 区县. Each item says its `level`, its
    `parent_code` and, for a 技术改造试点县, the `pilot_year` it was selected. Any `region_code` filter
    elsewhere takes a 市州 code for the 市州 and all its 区县. An unknown `parent_code` is 422."""
    if level is None and parent_code is None:
        level = RegionLevel.CITY
    return await _served(request, f"regions:{level}:{parent_code}", _regions(level, parent_code))


@router.get(
    "/industries",
    summary="Industries (GB/T 4754-2017) named by the plan",
    operation_id="list_industries",
    response_model=IndustryList,
)
async def list_industries(request: Request) -> Response:
    """Public: the industries the plan names, with their GB/T 4754-2017 codes, ordered by code, the
    whole list in one response, cacheable for an hour."""
    return await _served(request, "industries", _industries)


@router.get(
    "/equipment-categories",
    summary="The equipment-category tree with task types",
    operation_id="list_equipment_categories",
    response_model=EquipmentCategoryList,
)
async def list_equipment_categories(request: Request) -> Response:
    """Public: the whole equipment-category tree (each entry names its parent), with aliases and the
    task types each category serves, ordered by code and cacheable for an hour."""
    return await _served(request, "equipment-categories", _equipment_categories)


@router.get(
    "/task-types",
    summary="The plan's five key tasks",
    operation_id="list_task_types",
    response_model=TaskTypeList,
)
async def list_task_types(request: Request) -> Response:
    """Public: the plan's five key tasks (task types) in the plan's order, cacheable for an hour."""
    return await _served(request, "task-types", _task_types)


@router.get(
    "/financing-types",
    summary="Loan products and relending programmes the plan promotes",
    operation_id="list_financing_types",
    response_model=FinancingTypeList,
)
async def list_financing_types(request: Request) -> Response:
    """Public: the loan products and relending programmes the plan promotes (技改贷, 更新贷 …), in order,
    cacheable for an hour."""
    return await _served(request, "financing-types", _financing_types)


@router.get(
    "/labels",
    summary="Chinese and English labels of every enum value the API uses",
    operation_id="list_enum_labels",
    response_model=EnumLabels,
)
async def list_enum_labels(request: Request) -> Response:
    """Public: `{enum_name: {value: {zh, en}}}` for every status, kind and code the API sends or takes,
    keyed by the enum's OpenAPI component name (`DemandStatus`, `LeadStatus`, …), so an app shows
    `已发布` for `published` without hard-coding it. Cacheable for an hour."""
    return await _served(request, "labels", _labels)
