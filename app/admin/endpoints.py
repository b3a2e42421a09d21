"""Operator tools for 经信部门 and 服务专员: the vetting queue and decisions."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from app.deps import AdminPrincipal, SessionDep
from app.kit.pagination import PageParamsDep
from app.organizations import service as organizations
from app.organizations.schemas import OrganizationOut, VettingDecisionIn, VettingQueue, VettingQueueItem

router = APIRouter(prefix="/admin", tags=["admin"])


@router.get(
    "/vetting-queue",
    operation_id="get_vetting_queue",
    summary="Organizations (and, later, products) waiting for vetting, oldest first",
)
async def vetting_queue(principal: AdminPrincipal, session: SessionDep, page: PageParamsDep) -> VettingQueue:
    rows, cursor = await organizations.page_pending(session, page)
    items = [
        VettingQueueItem(
            type="organization",
            id=o.id,
            name=o.name,
            kind=o.kind,
            uscc=o.uscc,
            region_code=o.region_code,
            submitted_at=o.created_at,
        )
        for o in rows
    ]
    return VettingQueue(items=items, next_cursor=cursor)


@router.post(
    "/organizations/{organization_id}/vetting",
    operation_id="decide_organization_vetting",
    summary="Approve, reject or suspend an organization, with a note",
)
async def decide_vetting(
    organization_id: uuid.UUID, body: VettingDecisionIn, principal: AdminPrincipal, session: SessionDep
) -> OrganizationOut:
    organization = await organizations.decide_vetting(
        session, organization_id, body, admin_user_id=principal.user.id
    )
    return await organizations.to_out(session, organization, principal.viewer)
