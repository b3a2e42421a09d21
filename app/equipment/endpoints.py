"""设备台账: an enterprise's equipment inventory, with the plan's priority rules on every item."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from app.deps import CurrentPrincipal, SessionDep
from app.equipment import service
from app.equipment.schemas import EquipmentIn, EquipmentList, EquipmentOut, EquipmentUpdate
from app.errors import request_language
from app.kit.pagination import PageParamsDep
from app.kit.problems import problems
from app.spreadsheets.endpoints import XLSX_BODY, import_problems, read_workbook
from app.spreadsheets.schemas import ImportReport

router = APIRouter(tags=["equipment"])
WHO = (
    "The enterprise's members, the 服务专员 of its region and admins (404 for everyone else; 409 for an "
    "organization that is not an enterprise)."
)


@router.get(
    "/organizations/{organization_id}/equipment",
    operation_id="list_equipment",
    responses=problems(401, 404, 409, 422),
    summary="An enterprise's equipment inventory (设备台账), each item with the priority rules it meets",
)
async def list_equipment(
    organization_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal, page: PageParamsDep
) -> EquipmentList:
    """Newest first, paged with `cursor`; `summary` covers the whole inventory. Each item's `flags` are
    the plan's priority rules it meets (machine tools in service over 10 years, below the energy
    baseline, old safety-critical equipment, listed in an elimination catalogue), each with its `basis`
    and `source`. The enterprise's members, the 服务专员 of its region and admins (404 for everyone
    else; 409 for an organization that is not an enterprise)."""
    return await service.page(session, organization_id, page, viewer=principal.viewer)


@router.post(
    "/organizations/{organization_id}/equipment",
    status_code=status.HTTP_201_CREATED,
    operation_id="create_equipment",
    responses=problems(401, 404, 409, 413, 422),
    summary="Record an item of the inventory",
)
async def create_equipment(
    organization_id: uuid.UUID, body: EquipmentIn, session: SessionDep, principal: CurrentPrincipal
) -> EquipmentOut:
    """An unknown category, a service year in the future or before 1950, a count under 1 are 422; an
    elimination entry needs its catalogue. The enterprise's members, the 服务专员 of its region and
    admins (404 for everyone else; 409 for an organization that is not an enterprise)."""
    item = await service.create(
        session, organization_id, body, viewer=principal.viewer, user_id=principal.user.id
    )
    return await service.to_out(session, item)


@router.patch(
    "/equipment/{equipment_id}",
    operation_id="update_equipment",
    responses=problems(401, 404, 409, 413, 422),
    summary="Change an item of the inventory",
)
async def update_equipment(
    equipment_id: uuid.UUID, body: EquipmentUpdate, session: SessionDep, principal: CurrentPrincipal
) -> EquipmentOut:
    """Only the fields sent change, by the same rules as recording one. The enterprise's members, the
    服务专员 of its region and admins (404 for everyone else)."""
    item = await service.update(session, equipment_id, body, viewer=principal.viewer)
    return await service.to_out(session, item)


@router.delete(
    "/equipment/{equipment_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="delete_equipment",
    responses=problems(401, 404, 409, 422),
    summary="Remove an item from the inventory",
)
async def delete_equipment(
    equipment_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal
) -> Response:
    """The item is gone (an operator's removal stays in the audit log). The enterprise's members, the
    服务专员 of its region and admins (404 for everyone else)."""
    await service.delete(session, equipment_id, viewer=principal.viewer)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/organizations/{organization_id}/equipment/import",
    operation_id="import_equipment",
    summary="Import the inventory from an .xlsx spreadsheet, all or nothing",
    description=(
        "The first visible sheet's first row holds the headers: 设备类别, 型号, 生产厂家, "
        "投运年份 (required), 数量, 能效等级, 原值（元）, 低于能效基准, 淘汰目录, 淘汰目录条目, 备注. "
        "Every row is checked by the rules "
        "of `POST /organizations/{id}/equipment`; a row repeating an item already in the inventory (same "
        "category, model, maker and year) or an earlier row is refused. `dry_run=true` only reports; any "
        "problem rejects the whole file with a 422 carrying the report, and nothing is imported. " + WHO
    ),
    response_model=ImportReport,
    status_code=201,
    responses={200: {"model": ImportReport, "description": "The dry run's report."}, **import_problems()},
    openapi_extra={"requestBody": XLSX_BODY},
)
async def import_equipment(
    organization_id: uuid.UUID,
    principal: CurrentPrincipal,
    session: SessionDep,
    request: Request,
    response: Response,
    dry_run: Annotated[bool, Query(description="Check and report; import nothing.")] = False,
) -> ImportReport:
    await service.inventory_of(session, organization_id, principal.viewer)  # before reading 10 MB
    content, file_name = await read_workbook(request)
    report = await service.import_workbook(
        session,
        organization_id,
        content,
        file_name=file_name,
        dry_run=dry_run,
        viewer=principal.viewer,
        user_id=principal.user.id,
        language=request_language(request),
    )
    response.status_code = 200 if dry_run else 201
    return report
