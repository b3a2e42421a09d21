from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Query, Request

from app.auth.principal import ANONYMOUS, Viewer
from app.demands import service
from app.demands.schemas import DemandCreate, DemandList, DemandOut
from app.deps import (
    CurrentPrincipal,
    EnterprisePrincipal,
    ManagerPrincipal,
    OptionalPrincipal,
    SessionDep,
    viewer_of,
)
from app.kernel import CategoryCode, DemandStatus, IndustryCode, RegionCode, TaskType
from app.kit.etag import etag_for
from app.kit.idempotency import IdempotencyKeyHeader, idempotent_create
from app.kit.pagination import PageParamsDep
from app.kit.problems import problems
from app.kit.responses import FastJSONResponse
from app.models.demand import Demand

router = APIRouter(tags=["demands"])


async def _one(session: SessionDep, demand: Demand, viewer: Viewer) -> FastJSONResponse:
    body = await service.view_one(session, demand, viewer)
    return FastJSONResponse(body, headers={"ETag": etag_for(service.ETAG_KIND, demand.version)})


@router.post(
    "/demands",
    status_code=201,
    response_model=DemandOut,
    operation_id="create_demand",
    responses=problems(401, 403, 409, 413, 422),
    summary="Post a demand (设备更新需求) as a draft",
)
async def create_demand(
    body: DemandCreate,
    request: Request,
    principal: EnterprisePrincipal,
    session: SessionDep,
    idempotency_key: IdempotencyKeyHeader = None,
) -> FastJSONResponse:
    """Enterprise accounts only (403 for other kinds): creates a `draft` demand owned by the caller's
    organization, visible only to it and admins until published. Industry, region and
    equipment-category codes are checked against the catalog, `expected_start` may not be in the past
    and the budget range and needs must be coherent (422 otherwise). Send an `Idempotency-Key` to
    retry safely; the answer carries a `Location` header."""

    async def create() -> dict[str, Any]:
        demand = await service.create_demand(
            session, body, organization_id=principal.organization.id, user_id=principal.user.id
        )
        return service.view(demand, principal.viewer, principal.organization.name)

    return await idempotent_create(
        session,
        user_id=principal.user.id,
        key=idempotency_key,
        method="POST",
        path=request.url.path,
        body=body,
        create=create,
        location="/api/v1/demands/{id}",
    )


@router.get(
    "/demands",
    response_model=DemandList,
    operation_id="list_demands",
    responses=problems(422),
    summary="Published demands, newest first",
)
async def list_demands(
    session: SessionDep,
    page: PageParamsDep,
    task_type: TaskType | None = None,
    industry_code: IndustryCode | None = None,
    region_code: RegionCode | None = None,
    category_code: CategoryCode | None = Query(default=None, description="This category or any below it."),
) -> FastJSONResponse:
    """Public: published demands of vetted enterprises, newest published first, paged with `limit` and
    `cursor` (pass `next_cursor` back). `category_code` takes the category and everything below it; an
    unknown one is 422. Financing details and contract figures are never shown here."""
    items, cursor = await service.page_published(
        session,
        task_type=task_type,
        industry_code=industry_code,
        region_code=region_code,
        category_code=category_code,
        params=page,
        viewer=ANONYMOUS,
    )
    return FastJSONResponse({"items": items, "next_cursor": cursor})


@router.get(
    "/me/demands",
    response_model=DemandList,
    operation_id="list_my_demands",
    responses=problems(401, 403, 422),
    summary="The caller's own demands, in any status",
)
async def list_my_demands(
    session: SessionDep,
    principal: EnterprisePrincipal,
    page: PageParamsDep,
    status: DemandStatus | None = None,
) -> FastJSONResponse:
    """Enterprise accounts only: the caller's organization's own demands in any status (optionally one
    `status`), newest first, paged with `cursor`. Owner-only fields (financing need,
    `share_with_banks`, contracted amount) are included."""
    rows, cursor = await service.page_owned(session, principal.organization.id, status, page)
    items = [service.view(d, principal.viewer, principal.organization.name) for d in rows]
    return FastJSONResponse({"items": items, "next_cursor": cursor})


@router.get(
    "/demands/{demand_id}",
    response_model=DemandOut,
    operation_id="get_demand",
    responses=problems(401, 404, 422),
    summary="One demand (drafts: owner and admins)",
)
async def get_demand(
    demand_id: uuid.UUID, session: SessionDep, principal: OptionalPrincipal
) -> FastJSONResponse:
    """Anyone may read a published demand of a vetted enterprise; drafts, and anything of an
    enterprise that is not vetted, exist only for the owner and admins (404 for everyone else). The
    owner and admins also see the financing need, `share_with_banks` and the contracted amount. The
    `ETag` is the one to send as `If-Match` when editing."""
    demand, body = await service.get_view(session, demand_id, viewer_of(principal))
    return FastJSONResponse(body, headers={"ETag": etag_for(service.ETAG_KIND, demand.version)})


async def _transition(
    demand_id: uuid.UUID, action: str, session: SessionDep, principal: CurrentPrincipal
) -> FastJSONResponse:
    demand = await service.transition(
        session,
        demand_id,
        action,
        viewer=principal.viewer,
        organization_vetted=principal.organization.vetting_status == "vetted",
    )
    return await _one(session, demand, principal.viewer)


@router.post(
    "/demands/{demand_id}/close",
    response_model=DemandOut,
    operation_id="close_demand",
    responses=problems(401, 403, 404, 409, 422),
    summary="Close a demand (owner, or an admin moderating)",
)
async def close_demand(
    demand_id: uuid.UUID, session: SessionDep, principal: ManagerPrincipal
) -> FastJSONResponse:
    """The owner, or an admin moderating, closes a `draft`, `published` or `contracted` demand (409
    from any other status; 403 for others who can see it). Returns the demand, now `closed`."""
    return await _transition(demand_id, "close", session, principal)


@router.post(
    "/demands/{demand_id}/complete",
    response_model=DemandOut,
    operation_id="complete_demand",
    responses=problems(401, 403, 404, 409, 422),
    summary="Mark a contracted demand's project completed",
)
async def complete_demand(
    demand_id: uuid.UUID, session: SessionDep, principal: ManagerPrincipal
) -> FastJSONResponse:
    """The owner marks a `contracted` demand's project done; the demand becomes `completed` (409 from
    any other status, 403 for others who can see it)."""
    return await _transition(demand_id, "complete", session, principal)
