"""Admins set up the service network: government offices, their operators, and 试点县."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Path, Request, status

from app.catalog.schemas import RegionOut
from app.deps import AdminPrincipal, OperatorPrincipal, ProvinceOperator, SessionDep, SettingsDep
from app.kernel import RegionCode
from app.kit.problems import problems
from app.operators import service
from app.operators.schemas import (
    GovOrganizationIn,
    OperatorAssignmentIn,
    PilotYearIn,
    ServiceSettingIn,
    ServiceSettingOut,
)
from app.organizations import service as organizations
from app.organizations.schemas import OrganizationOut
from app.teams import service as teams
from app.teams.schemas import MemberOut

router = APIRouter(prefix="/admin", tags=["admin"])


@router.post(
    "/organizations",
    status_code=status.HTTP_201_CREATED,
    operation_id="create_gov_organization",
    responses=problems(401, 403, 409, 413, 422, 429),
    summary="Create a government office (kind gov) whose members are 服务专员",
)
async def create_gov_organization(
    body: GovOrganizationIn, principal: AdminPrincipal, session: SessionDep, settings: SettingsDep
) -> OrganizationOut:
    """Admins only: a `gov` organization for the province, a 市州 or a 区县 (经信部门, 服务专员), vetted
    at once. With `owner_email`, that address is invited as its first owner, who invites the rest of
    the staff; admins then give each member an operator level and region
    (`PATCH /admin/organizations/{id}/members/{user_id}`)."""
    office = await service.create_office(session, settings, body, actor=principal)
    return await organizations.to_out(session, office, principal.viewer)


@router.patch(
    "/organizations/{organization_id}/members/{user_id}",
    operation_id="assign_operator",
    responses=problems(401, 403, 404, 409, 413, 422),
    summary="Make a member of a government office a 服务专员 of a level and region",
)
async def assign_operator(
    organization_id: uuid.UUID,
    user_id: uuid.UUID,
    body: OperatorAssignmentIn,
    principal: AdminPrincipal,
    session: SessionDep,
) -> MemberOut:
    """Admins only: `operator_level` (province | city | county) with a `region_code` of that level
    inside the office's region (422 otherwise); both null take the role away. An operator reads and
    acts only on organizations, inventories, diagnoses and applications in its region. 409 when the
    organization is not a government office."""
    user = await service.assign(session, organization_id, user_id, body)
    return teams.member_out(user)


@router.patch(
    "/regions/{code}",
    operation_id="set_pilot_county",
    responses=problems(401, 403, 404, 413, 422),
    summary="Mark a 区县 as a 技术改造试点县 of a year (province operators)",
)
async def set_pilot_county(
    code: Annotated[RegionCode, Path(description="A 区县's GB/T 2260 code.")],
    body: PilotYearIn,
    principal: ProvinceOperator,
    session: SessionDep,
    request: Request,
    background: BackgroundTasks,
) -> RegionOut:
    """Admins and province operators: the plan's 每年遴选建设一批工业技术改造试点县（市、区）. Sets (or, with
    null, withdraws) the year a 区县 was selected; a 市州 is 422. Shown in `GET /catalog/regions`
    (this process at once, others within `CATALOG_CACHE_SECONDS`)."""
    region = await service.set_pilot_year(session, code, body)
    background.add_task(request.app.state.catalog_cache.clear)  # after the commit
    return RegionOut.model_validate(region)


@router.get(
    "/service-settings/{code}",
    operation_id="get_service_settings",
    responses=problems(401, 403, 404, 422),
    summary="A region's service settings: the expert-review threshold and the coverage target",
)
async def get_service_settings(
    code: Annotated[RegionCode, Path(description="The province, a 市州 or a 区县.")],
    principal: OperatorPrincipal,
    session: SessionDep,
) -> ServiceSettingOut:
    """Operators of the region (404 outside it): what the region sets itself, and what applies (its own,
    else the nearest region above that sets it)."""
    return await service.get_setting(session, code, viewer=principal.viewer)


@router.put(
    "/service-settings/{code}",
    operation_id="put_service_settings",
    responses=problems(401, 403, 404, 413, 422),
    summary="Set a region's expert-review threshold or coverage target",
)
async def put_service_settings(
    code: Annotated[RegionCode, Path(description="The province, a 市州 or a 区县.")],
    body: ServiceSettingIn,
    principal: OperatorPrincipal,
    session: SessionDep,
) -> ServiceSettingOut:
    """Operators of the region (404 outside it): only the fields sent change; null clears one. A 方案
    whose budget reaches the threshold needs an expert's approval before delivery; the coverage target
    is what `GET /stats/coverage` measures diagnoses against."""
    return await service.put_setting(session, code, body, viewer=principal.viewer, user_id=principal.user.id)
