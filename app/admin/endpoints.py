"""Operator tools for 经信部门 and 服务专员: the vetting queue, organization and product decisions."""

from __future__ import annotations

import uuid
from typing import Literal

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from app.admin import repository
from app.deps import AdminPrincipal, SessionDep
from app.kit.pagination import PageParamsDep
from app.kit.problems import problems
from app.kit.responses import FastJSONResponse
from app.leads import relay as lead_relay
from app.organizations import service as organizations
from app.organizations.schemas import (
    OrganizationOut,
    PendingChange,
    VettingDecisionIn,
    VettingQueue,
    VettingQueueItem,
)
from app.products import service as products
from app.products.schemas import ProductOut, ProductReviewIn
from app.stats import dashboard
from app.stats import service as stats
from app.stats.endpoints import FromDate, RegionCode, ToDate

router = APIRouter(prefix="/admin", tags=["admin"])


@router.get(
    "/vetting-queue",
    operation_id="get_vetting_queue",
    responses=problems(401, 403, 422),
    summary="Pending organizations and products under review, oldest first",
)
async def vetting_queue(
    principal: AdminPrincipal,
    session: SessionDep,
    page: PageParamsDep,
    type: Literal["organization", "product"] | None = None,
) -> VettingQueue:
    """Admins only: organizations pending vetting and products pending review in one queue, oldest
    submission first, paged with `cursor`; `type` keeps one of the two."""
    rows, cursor = await repository.page_vetting_queue(session, page, type)
    items = [
        VettingQueueItem(
            type=r.type,
            id=r.id,
            name=r.name,
            kind=r.kind,
            uscc=r.uscc,
            region_code=r.region_code,
            organization_id=r.organization_id,
            submitted_at=r.submitted_at,
            pending_change=PendingChange(**r.pending_change, requested_at=r.submitted_at)
            if r.pending_change
            else None,
        )
        for r in rows
    ]
    return VettingQueue(items=items, next_cursor=cursor)


@router.post(
    "/organizations/{organization_id}/vetting",
    operation_id="decide_organization_vetting",
    responses=problems(401, 403, 404, 409, 413, 422),
    summary="Approve, reject or suspend an organization, with a note",
)
async def decide_vetting(
    organization_id: uuid.UUID, body: VettingDecisionIn, principal: AdminPrincipal, session: SessionDep
) -> OrganizationOut:
    """Admins only: `approve` (from pending, rejected or suspended) makes the organization vetted,
    `reject` (from pending) and `suspend` (from vetted) need a note telling it why (422). A decision
    from any other status is 409; the organization is notified and the decision joins its vetting
    history. Returns the organization as admins see it."""
    organization = await organizations.decide_vetting(
        session, organization_id, body, admin_user_id=principal.user.id
    )
    if organization.vetting_status != "vetted" and organization.kind == "bank":
        # A suspended bank gets no more leads (offer() asks for vetted banks) and no queued events.
        await lead_relay.cancel_not_owed(session, bank_id=organization.id)
    return await organizations.to_out(session, organization, principal.viewer)


@router.post(
    "/products/{product_id}/review",
    response_model=ProductOut,
    operation_id="review_product",
    responses=problems(401, 403, 404, 409, 413, 422),
    summary="List or reject a product under review, confirming its 四川造 claim",
)
async def review_product(
    product_id: uuid.UUID, body: ProductReviewIn, principal: AdminPrincipal, session: SessionDep
) -> FastJSONResponse:
    """Admins only: lists (`approve`) or rejects a product that is `pending_review` (409 otherwise); a
    rejection needs a note for the supplier (422). Approving a product that claims 四川造 confirms the
    claim unless `made_in_sichuan_confirmed=false` is sent. Returns the product."""
    product = await products.review_product(session, product_id, body, admin_user_id=principal.user.id)
    return FastJSONResponse(await products.view_one(session, product, principal.viewer))


@router.get(
    "/dashboard",
    operation_id="get_admin_dashboard",
    summary="The statistics drawn as charts: by city, month by month, and against the 2027 targets",
    response_class=HTMLResponse,
    responses={
        200: {"content": {"text/html": {}}, "description": "A self-contained HTML page."},
        **problems(401, 403, 422),
    },
)
async def admin_dashboard(
    principal: AdminPrincipal,
    session: SessionDep,
    from_: FromDate = None,
    to: ToDate = None,
    region_code: RegionCode = None,
) -> HTMLResponse:
    """Admins only: a self-contained HTML page drawing the statistics overview (by city, month by
    month, against the plan's 2027 targets) for the same `from`, `to` and `region_code` filters;
    `from` after `to` is 422. Not cached."""
    overview = await stats.overview(session, start=from_, end=to, region_code=region_code)
    return HTMLResponse(
        dashboard.render(overview),
        headers={
            "Content-Security-Policy": dashboard.CSP,
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )
