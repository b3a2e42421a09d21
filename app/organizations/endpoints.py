from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from app.deps import (
    CurrentPrincipal,
    IfMatchHeader,
    ManagerPrincipal,
    OptionalPrincipal,
    SessionDep,
    viewer_of,
)
from app.kit.etag import set_etag
from app.kit.pagination import PageParamsDep
from app.kit.problems import problems
from app.organizations import service
from app.organizations.schemas import OrganizationOut, OrganizationUpdate, VettingDecisionList

router = APIRouter(prefix="/organizations", tags=["organizations"])


@router.get(
    "/{organization_id}",
    operation_id="get_organization",
    responses=problems(401, 404, 422),
    summary="An organization's profile (public when vetted; members and admins see all)",
)
async def get_organization(
    organization_id: uuid.UUID, session: SessionDep, principal: OptionalPrincipal, response: Response
) -> OrganizationOut:
    """Anyone may read a vetted organization's public profile; an organization that is not vetted
    exists only for its members and admins (404 for everyone else). Members and admins also see
    contacts and the vetting note, date and decider. The `ETag` is the one to send as `If-Match` when
    editing."""
    viewer = viewer_of(principal)
    organization = await service.get_visible(session, organization_id, viewer)
    set_etag(response, service.ETAG_KIND, organization.version)
    return await service.to_out(session, organization, viewer)


@router.patch(
    "/{organization_id}",
    operation_id="update_organization",
    responses=problems(401, 403, 404, 412, 413, 422),
    summary="Change the caller's own organization profile",
)
async def update_organization(
    organization_id: uuid.UUID,
    body: OrganizationUpdate,
    session: SessionDep,
    principal: ManagerPrincipal,
    response: Response,
    if_match: IfMatchHeader = None,
) -> OrganizationOut:
    """Members of the organization change its profile (403 for anyone else); only the fields sent
    change, and kind, USCC and vetting fields cannot be sent. Send the `ETag` from a GET as `If-Match`
    (412 when stale). A rejected organization that edits goes back to `pending` vetting; `profile` and
    `provider_types` are for provider organizations only (422)."""
    organization = await service.update_organization(
        session, organization_id, body, viewer=principal.viewer, if_match=if_match
    )
    set_etag(response, service.ETAG_KIND, organization.version)
    return await service.to_out(session, organization, principal.viewer)


@router.get(
    "/{organization_id}/vetting-decisions",
    operation_id="list_vetting_decisions",
    responses=problems(401, 403, 404, 422),
    summary="The organization's vetting history, with who decided",
)
async def list_vetting_decisions(
    organization_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal, page: PageParamsDep
) -> VettingDecisionList:
    """Members of the organization and admins (403 for others who can see it): every vetting decision
    taken on it, with the note, the status moved from and to, and the admin who decided, newest first,
    paged with `cursor`."""
    items, cursor = await service.page_decisions(session, organization_id, page, viewer=principal.viewer)
    return VettingDecisionList(items=items, next_cursor=cursor)
