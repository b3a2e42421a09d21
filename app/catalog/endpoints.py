"""Public, read-only reference data. Small lists, served whole and cacheable."""

from __future__ import annotations

from fastapi import APIRouter, Response

from app.catalog import labels, repository
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
from app.deps import SessionDep

router = APIRouter(prefix="/catalog", tags=["catalog"])
CACHE = "public, max-age=3600"


@router.get("/regions", summary="Sichuan's 21 市州 by GB/T 2260 code", operation_id="list_regions")
async def list_regions(session: SessionDep, response: Response) -> RegionList:
    """Public: Sichuan's 21 市州 with their GB/T 2260 codes, ordered by code, the whole list in one
    response (no paging), cacheable for an hour."""
    response.headers["Cache-Control"] = CACHE
    return RegionList(items=[RegionOut.model_validate(r) for r in await repository.list_regions(session)])


@router.get(
    "/industries", summary="Industries (GB/T 4754-2017) named by the plan", operation_id="list_industries"
)
async def list_industries(session: SessionDep, response: Response) -> IndustryList:
    """Public: the industries the plan names, with their GB/T 4754-2017 codes, ordered by code, the
    whole list in one response, cacheable for an hour."""
    response.headers["Cache-Control"] = CACHE
    rows = await repository.list_industries(session)
    return IndustryList(items=[IndustryOut.model_validate(r) for r in rows])


@router.get(
    "/equipment-categories",
    summary="The equipment-category tree with task types",
    operation_id="list_equipment_categories",
)
async def list_equipment_categories(session: SessionDep, response: Response) -> EquipmentCategoryList:
    """Public: the whole equipment-category tree (each entry names its parent), with aliases and the
    task types each category serves, ordered by code and cacheable for an hour."""
    response.headers["Cache-Control"] = CACHE
    rows = await repository.list_equipment_categories(session)
    return EquipmentCategoryList(items=[EquipmentCategoryOut.model_validate(r) for r in rows])


@router.get("/task-types", summary="The plan's five key tasks", operation_id="list_task_types")
async def list_task_types(session: SessionDep, response: Response) -> TaskTypeList:
    """Public: the plan's five key tasks (task types) in the plan's order, cacheable for an hour."""
    response.headers["Cache-Control"] = CACHE
    rows = await repository.list_task_types(session)
    return TaskTypeList(items=[TaskTypeOut.model_validate(r) for r in rows])


@router.get(
    "/financing-types",
    summary="Loan products and relending programmes the plan promotes",
    operation_id="list_financing_types",
)
async def list_financing_types(session: SessionDep, response: Response) -> FinancingTypeList:
    """Public: the loan products and relending programmes the plan promotes (技改贷, 更新贷 …), in order,
    cacheable for an hour."""
    response.headers["Cache-Control"] = CACHE
    rows = await repository.list_financing_types(session)
    return FinancingTypeList(items=[FinancingTypeOut.model_validate(r) for r in rows])


@router.get(
    "/labels",
    summary="Chinese and English labels of every enum value the API uses",
    operation_id="list_enum_labels",
)
async def list_enum_labels(response: Response) -> EnumLabels:
    """Public: `{enum_name: {value: {zh, en}}}` for every status, kind and code the API sends or takes,
    keyed by the enum's OpenAPI component name (`DemandStatus`, `LeadStatus`, …), so an app shows
    `已发布` for `published` without hard-coding it. Cacheable for an hour."""
    response.headers["Cache-Control"] = CACHE
    return EnumLabels(
        {
            name: {value: EnumLabel(zh=zh, en=en) for value, (zh, en) in values.items()}
            for name, values in labels.ENUMS.items()
        }
    )
