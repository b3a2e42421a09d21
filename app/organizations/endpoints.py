from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from app.deps import (
    CurrentPrincipal,
    IfMatchHeader,
    ManagerPrincipal,
    OperatorPrincipal,
    OptionalPrincipal,
    SessionDep,
    viewer_of,
)
from app.kit.etag import set_etag
from app.kit.pagination import PageParamsDep
from app.kit.problems import problems
from app.organizations import service
from app.organizations.schemas import (
    EnterpriseProfileIn,
    EnterpriseProfileOut,
    OrganizationOut,
    OrganizationUpdate,
    VettingDecisionList,
)

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


@router.patch(
    "/{organization_id}/profile",
    operation_id="update_enterprise_profile",
    responses=problems(401, 403, 404, 409, 413, 422),
    summary="An enterprise's profile: 规上, 专精特新, 高新技术企业, size bands, main products",
)
async def update_enterprise_profile(
    organization_id: uuid.UUID,
    body: EnterpriseProfileIn,
    session: SessionDep,
    principal: CurrentPrincipal,
    response: Response,
) -> EnterpriseProfileOut:
    """The enterprise's managers, or an operator (服务专员) of its region: only the fields sent change.
    `above_designated_size` (规上) with a revenue band under 20 million yuan is 422. Any edit asks for
    an operator's confirmation again (`confirmed_at` null). 409 for an organization that is not an
    enterprise; 404 outside an operator's region."""
    organization = await service.update_enterprise_profile(
        session, organization_id, body, viewer=principal.viewer
    )
    set_etag(response, service.ETAG_KIND, organization.version)
    return await service.enterprise_profile_out(session, organization)


@router.post(
    "/{organization_id}/profile/confirm",
    operation_id="confirm_enterprise_profile",
    responses=problems(401, 403, 404, 409, 422),
    summary="An operator confirms an enterprise's profile",
)
async def confirm_enterprise_profile(
    organization_id: uuid.UUID, session: SessionDep, principal: OperatorPrincipal
) -> EnterpriseProfileOut:
    """Operators of the enterprise's region (and admins): confirms the profile as it stands, with who
    and when; confirming a confirmed profile changes nothing. 404 outside the operator's region, 409
    when the enterprise has no profile yet."""
    organization = await service.confirm_enterprise_profile(
        session, organization_id, viewer=principal.viewer, user_id=principal.user.id
    )
    return await service.enterprise_profile_out(session, organization)
