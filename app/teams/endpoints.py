from __future__ import annotations

import uuid

from fastapi import APIRouter, Response, status

from app.deps import CurrentPrincipal, OptionalPrincipal, OwnerPrincipal, SessionDep, SettingsDep
from app.kit.pagination import PageParamsDep
from app.kit.problems import problems
from app.teams import service
from app.teams.schemas import (
    AcceptIn,
    InvitationIn,
    InvitationList,
    InvitationOut,
    MemberList,
    MemberOut,
    MembershipOut,
    OwnershipTransferIn,
    RoleChangeIn,
)

router = APIRouter(tags=["teams"])


@router.get(
    "/organizations/{organization_id}/members",
    operation_id="list_members",
    responses=problems(401, 403, 404, 422),
    summary="The organization's members and their roles",
)
async def list_members(
    organization_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal, page: PageParamsDep
) -> MemberList:
    """Members of the organization and admins (403 for others): every active member with their role
    (`owner`, `manager` or `member`), longest-standing first, paged with `cursor`."""
    items, cursor = await service.page_members(session, organization_id, page, viewer=principal.viewer)
    return MemberList(items=items, next_cursor=cursor)


@router.patch(
    "/organizations/{organization_id}/members/{user_id}",
    operation_id="update_member",
    responses=problems(401, 403, 404, 409, 413, 422),
    summary="Change a member's role (owner)",
)
async def update_member(
    organization_id: uuid.UUID,
    user_id: uuid.UUID,
    body: RoleChangeIn,
    session: SessionDep,
    principal: OwnerPrincipal,
) -> MemberOut:
    """Owners of the organization: sets a member's role. `member` reads and drafts; `manager` also
    publishes, quotes, accepts and manages lead subscriptions and saved searches; `owner` also manages
    members. The last owner cannot step down (409); 404 for someone who is not a member."""
    user = await service.change_role(session, organization_id, user_id, body.role, actor=principal)
    return service.member_out(user)


@router.delete(
    "/organizations/{organization_id}/members/{user_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="remove_member",
    responses=problems(401, 403, 404, 409, 422),
    summary="Remove a member (owner), or leave (your own id)",
)
async def remove_member(
    organization_id: uuid.UUID, user_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal
) -> Response:
    """Owners remove any member; any member leaves by sending their own id. A user belongs to one
    organization, so the account closes with it: its sessions end at once (an invitation from any
    organization opens it again). The last owner can neither leave nor be removed (409). Answers 204."""
    await service.remove_member(session, organization_id, user_id, actor=principal)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/organizations/{organization_id}/ownership-transfer",
    operation_id="transfer_ownership",
    responses=problems(401, 403, 404, 413, 422),
    summary="Hand ownership to another member (owner)",
)
async def transfer_ownership(
    organization_id: uuid.UUID, body: OwnershipTransferIn, session: SessionDep, principal: OwnerPrincipal
) -> MemberOut:
    """An owner makes another member an owner and becomes a manager, in one step. Returns the new
    owner; 404 for someone who is not a member, 422 for the caller's own id."""
    user = await service.transfer_ownership(session, organization_id, body.user_id, actor=principal)
    return service.member_out(user)


@router.post(
    "/organizations/{organization_id}/invitations",
    status_code=status.HTTP_201_CREATED,
    operation_id="create_invitation",
    responses=problems(401, 403, 404, 409, 413, 422, 429),
    summary="Invite an email address to the organization (owner)",
)
async def create_invitation(
    organization_id: uuid.UUID,
    body: InvitationIn,
    session: SessionDep,
    settings: SettingsDep,
    principal: OwnerPrincipal,
) -> InvitationOut:
    """Owners: mails a single-use invitation token to the address, valid for `INVITATION_TTL_HOURS`
    (default 72), with the role the new member gets. 409 when the address is already a member or has
    an open invitation (resend that one); 429 beyond `INVITATIONS_PER_ORGANIZATION_PER_HOUR`."""
    return await service.invite(session, settings, organization_id, body, actor=principal)


@router.get(
    "/organizations/{organization_id}/invitations",
    operation_id="list_invitations",
    responses=problems(401, 403, 404, 422),
    summary="The organization's invitations, with their status (owner)",
)
async def list_invitations(
    organization_id: uuid.UUID, session: SessionDep, principal: OwnerPrincipal, page: PageParamsDep
) -> InvitationList:
    """Owners and admins: every invitation the organization sent, newest first, with its status
    (`pending`, `accepted`, `revoked` or `expired`), paged with `cursor`."""
    items, cursor = await service.page_invitations(session, organization_id, page, viewer=principal.viewer)
    return InvitationList(items=items, next_cursor=cursor)


@router.delete(
    "/organizations/{organization_id}/invitations/{invitation_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="revoke_invitation",
    responses=problems(401, 403, 404, 409, 422),
    summary="Revoke an invitation (owner)",
)
async def revoke_invitation(
    organization_id: uuid.UUID, invitation_id: uuid.UUID, session: SessionDep, principal: OwnerPrincipal
) -> Response:
    """Owners: the invitation's token stops working. 409 for one already accepted. Answers 204."""
    await service.revoke_invitation(session, organization_id, invitation_id, actor=principal)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/organizations/{organization_id}/invitations/{invitation_id}/resend",
    operation_id="resend_invitation",
    responses=problems(401, 403, 404, 409, 422, 429),
    summary="Mail an invitation again, with a new token (owner)",
)
async def resend_invitation(
    organization_id: uuid.UUID,
    invitation_id: uuid.UUID,
    session: SessionDep,
    settings: SettingsDep,
    principal: OwnerPrincipal,
) -> InvitationOut:
    """Owners: a new token goes out and the old one stops working; the expiry starts again. 409 for an
    accepted or revoked invitation (send a new one)."""
    return await service.resend_invitation(session, settings, organization_id, invitation_id, actor=principal)


@router.post(
    "/invitations/accept",
    operation_id="accept_invitation",
    responses=problems(401, 403, 409, 413, 422),
    summary="Accept an invitation (new account, or logged in as the invited one)",
)
async def accept_invitation(
    body: AcceptIn, session: SessionDep, principal: OptionalPrincipal
) -> MembershipOut:
    """Whoever holds the mailed token. If the invited address has an account, send that account's
    bearer token (401 without one, 403 for another account): it moves to this organization, since a
    user belongs to one (409 if it is the last owner of its current one). Otherwise send `name` and
    `password`: the account is created with the address verified, and logs in with `/auth/token`. A
    used, revoked, expired or unknown token is 422, and nothing changes."""
    return await service.accept(session, body, principal=principal)
