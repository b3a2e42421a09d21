"""Public, read-only reference data. Small lists, served whole and cacheable."""

from __future__ import annotations

from fastapi import APIRouter, Response

from app.catalog import repository
from app.catalog.schemas import (
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
    response.headers["Cache-Control"] = CACHE
    return RegionList(items=[RegionOut.model_validate(r) for r in await repository.list_regions(session)])


@router.get(
    "/industries", summary="Industries (GB/T 4754-2017) named by the plan", operation_id="list_industries"
)
async def list_industries(session: SessionDep, response: Response) -> IndustryList:
    response.headers["Cache-Control"] = CACHE
    rows = await repository.list_industries(session)
    return IndustryList(items=[IndustryOut.model_validate(r) for r in rows])


@router.get(
    "/equipment-categories",
    summary="The equipment-category tree with task types",
    operation_id="list_equipment_categories",
)
async def list_equipment_categories(session: SessionDep, response: Response) -> EquipmentCategoryList:
    response.headers["Cache-Control"] = CACHE
    rows = await repository.list_equipment_categories(session)
    return EquipmentCategoryList(items=[EquipmentCategoryOut.model_validate(r) for r in rows])


@router.get("/task-types", summary="The plan's five key tasks", operation_id="list_task_types")
async def list_task_types(session: SessionDep, response: Response) -> TaskTypeList:
    response.headers["Cache-Control"] = CACHE
    rows = await repository.list_task_types(session)
    return TaskTypeList(items=[TaskTypeOut.model_validate(r) for r in rows])


@router.get(
    "/financing-types",
    summary="Loan products and relending programmes the plan promotes",
    operation_id="list_financing_types",
)
async def list_financing_types(session: SessionDep, response: Response) -> FinancingTypeList:
    response.headers["Cache-Control"] = CACHE
    rows = await repository.list_financing_types(session)
    return FinancingTypeList(items=[FinancingTypeOut.model_validate(r) for r in rows])
