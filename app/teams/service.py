"""Organizations as teams: members with roles, the last-owner rule, ownership handover, and invitations
by email (single-use tokens, expiring, revocable, resent with a new token)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts import lifecycle_repository as accounts
from app.accounts.security import hash_password, hash_refresh_token, new_refresh_token
from app.auth.principal import Principal, Viewer
from app.auth.roles import ROLE_NAMES_ZH
from app.config import Settings
from app.errors import (
    Conflict,
    FieldError,
    Forbidden,
    InvalidFields,
    InvalidInput,
    NotFound,
    TooManyRequests,
    Unauthorized,
)
from app.kit import rate_limit
from app.kit.integrity import flush_or_conflict
from app.kit.pagination import PageParams
from app.mail import service as mail
from app.models.account import Invitation, User
from app.models.base import utcnow
from app.models.organization import Organization
from app.notifications import service as notifications
from app.organizations import repository as organization_names
from app.organizations import service as organizations
from app.teams import repository
from app.teams.schemas import (
    AcceptIn,
    InvitationIn,
    InvitationOut,
    Inviter,
    MemberOut,
    MembershipOrganization,
    MembershipOut,
    MemberUser,
)

LAST_OWNER = "The organization must keep an owner: make another member owner first."
LAST_OWNER_ZH = "机构必须保留至少一名所有者：请先把另一名成员设为所有者。"
OPEN_INVITATION = "An invitation to this address is already open: resend it, or revoke it first."
OPEN_INVITATION_ZH = "已有发给该邮箱的有效邀请：请重新发送，或先撤销。"


def member_out(user: User) -> MemberOut:
    return MemberOut(
        user=MemberUser(id=user.id, name=user.name, email=user.email),
        role=user.role,
        joined_at=user.joined_at,
        operator_level=user.operator_level,
        operator_region_code=user.operator_region_code,
    )


def invitation_status(invitation: Invitation) -> str:
    if invitation.accepted_at is not None:
        return "accepted"
    if invitation.revoked_at is not None:
        return "revoked"
    return "expired" if invitation.expires_at <= utcnow() else "pending"


def invitation_out(invitation: Invitation, names: dict[uuid.UUID, str]) -> InvitationOut:
    inviter = invitation.invited_by_id
    return InvitationOut(
        id=invitation.id,
        organization_id=invitation.organization_id,
        email=invitation.email,
        role=invitation.role,
        status=invitation_status(invitation),
        invited_by=None if inviter is None else Inviter(id=inviter, name=names.get(inviter, "")),
        created_at=invitation.created_at,
        sent_at=invitation.sent_at,
        expires_at=invitation.expires_at,
        accepted_at=invitation.accepted_at,
    )


# --- reading the team -------------------------------------------------------------------------------


async def _visible_team(session: AsyncSession, organization_id: uuid.UUID, viewer: Viewer) -> Organization:
    organization = await organizations.get_visible(session, organization_id, viewer)
    if not (viewer.is_admin or viewer.is_member_of(organization)):
        raise Forbidden(
            "Only the organization's members and admins see its team.",
            zh="只有本机构的成员和管理员才能查看其成员。",
        )
    return organization


async def page_members(
    session: AsyncSession, organization_id: uuid.UUID, params: PageParams, *, viewer: Viewer
) -> tuple[list[MemberOut], str | None]:
    await _visible_team(session, organization_id, viewer)
    rows, cursor = await repository.page_members(session, organization_id, params)
    return [member_out(user) for user in rows], cursor


async def page_invitations(
    session: AsyncSession, organization_id: uuid.UUID, params: PageParams, *, viewer: Viewer
) -> tuple[list[InvitationOut], str | None]:
    await _visible_team(session, organization_id, viewer)
    viewer.require("owner", action="Seeing the invitations", action_zh="查看邀请")
    rows, cursor = await repository.page_invitations(session, organization_id, params)
    names = await organization_names.get_user_names(
        session, {r.invited_by_id for r in rows if r.invited_by_id}
    )
    return [invitation_out(r, names) for r in rows], cursor


# --- changing the team ------------------------------------------------------------------------------


@dataclass
class Team:
    """An organization under its team lock, with its active members as they are now."""

    organization: Organization
    members: dict[uuid.UUID, User]

    def owners(self) -> int:
        return sum(1 for user in self.members.values() if user.role == "owner")

    def member(self, user_id: uuid.UUID) -> User:
        user = self.members.get(user_id)
        if user is None:
            raise NotFound("No such member of this organization.", zh="本机构没有这名成员。")
        return user


async def _locked_team(
    session: AsyncSession, organization_id: uuid.UUID, actor: Principal, *, owner: bool = True
) -> Team:
    """The team, locked, after checking the caller is a member (and, unless `owner=False`, an owner: the
    role is read again under the lock, so an owner demoted a moment ago cannot still act as one)."""
    organization = await _visible_team(session, organization_id, actor.viewer)
    if not actor.viewer.is_member_of(organization):
        raise Forbidden(
            "Only the organization's own owners manage its members.", zh="只有本机构的所有者才能管理成员。"
        )
    locked = await repository.lock_organization(session, organization.id)
    assert locked is not None
    team = Team(locked, await repository.members_by_id(session, organization.id))
    me = team.members.get(actor.user.id)
    if me is None:
        raise Unauthorized("You are no longer a member of this organization.", zh="您已不是本机构的成员。")
    if owner and me.role != "owner":
        raise Forbidden(
            "Managing members needs the role owner in your organization; ask one of its owners.",
            zh="管理成员需要本机构的所有者角色，请联系本机构的所有者。",
            needed_role="owner",
        )
    return team


async def change_role(
    session: AsyncSession, organization_id: uuid.UUID, user_id: uuid.UUID, role: str, *, actor: Principal
) -> User:
    """An owner sets a member's role (their own too); the last owner cannot step down (409)."""
    team = await _locked_team(session, organization_id, actor)
    user = team.member(user_id)
    if user.role == "owner" and role != "owner" and team.owners() == 1:
        raise Conflict(LAST_OWNER, zh=LAST_OWNER_ZH)
    if user.role != role:
        user.role = role
        await session.flush()
    return user


async def transfer_ownership(
    session: AsyncSession, organization_id: uuid.UUID, user_id: uuid.UUID, *, actor: Principal
) -> User:
    """The caller hands ownership to another member, in one step: they become an owner, the caller a
    manager."""
    team = await _locked_team(session, organization_id, actor)
    user = team.member(user_id)
    if user.id == actor.user.id:
        raise InvalidInput(
            ["body", "user_id"], "is you: name another member", zh="是您自己：请指定另一名成员"
        )
    user.role = "owner"
    team.members[actor.user.id].role = "manager"
    await session.flush()
    return user


async def remove_member(
    session: AsyncSession, organization_id: uuid.UUID, user_id: uuid.UUID, *, actor: Principal
) -> None:
    """An owner removes a member, or any member leaves (their own id). The account is closed with it (a
    user belongs to one organization): its sessions end at once, and an invitation from any
    organization can open it again. The last owner can neither leave nor be removed (409)."""
    leaving = user_id == actor.user.id
    team = await _locked_team(session, organization_id, actor, owner=not leaving)
    user = team.member(user_id)
    if user.role == "owner" and team.owners() == 1:
        raise Conflict(LAST_OWNER, zh=LAST_OWNER_ZH)
    now = utcnow()
    user.is_active, user.left_organization_at = False, now
    await accounts.revoke_sessions(
        session, user.id, at=now, reason="left_organization" if leaving else "removed_from_organization"
    )
    how = "离开了本机构" if leaving else f"已被 {actor.user.name} 移出本机构"
    await notifications.notify(
        session,
        team.organization.id,
        "member_left",
        f"成员{how}",
        f"{user.name}（{user.email}）{how}。",
        {"user_id": str(user.id)},
    )
    await session.flush()


# --- invitations ------------------------------------------------------------------------------------


async def invite(
    session: AsyncSession,
    settings: Settings,
    organization_id: uuid.UUID,
    data: InvitationIn,
    *,
    actor: Principal,
) -> InvitationOut:
    """An owner invites an email address with a role; the token goes out by mail (the outbox)."""
    team = await _locked_team(session, organization_id, actor)
    if team.organization.kind == "admin":
        raise Forbidden(
            "Admins are created from the command line (`python -m app create-admin`).",
            zh="管理员只能通过命令行创建（`python -m app create-admin`）。",
        )
    email = str(data.email).strip().lower()
    if any(user.email == email for user in team.members.values()):
        msg, zh = "is already a member of this organization", "已是本机构成员"
        raise Conflict(
            f"{email} {msg}.", zh=f"{email}{zh}。", errors=[FieldError(["body", "email"], msg, zh)]
        )
    await _count_invitation(session, settings, team.organization.id)
    stale = await repository.open_invitation(session, team.organization.id, email)
    if stale is not None:
        if invitation_status(stale) == "pending":
            raise Conflict(
                OPEN_INVITATION,
                zh=OPEN_INVITATION_ZH,
                errors=[FieldError(["body", "email"], OPEN_INVITATION, OPEN_INVITATION_ZH, type="conflict")],
            )
        stale.revoked_at = utcnow()  # expired: a new invitation takes its place
        await session.flush()
    return await _issue(session, settings, team.organization, email, data.role, actor=actor)


async def invite_on_behalf(
    session: AsyncSession,
    settings: Settings,
    organization: Organization,
    email: str,
    role: str,
    *,
    actor: Principal,
) -> InvitationOut:
    """An admin invites the first member of an organization it just created (a government office)."""
    return await _issue(session, settings, organization, email.strip().lower(), role, actor=actor)


async def _issue(
    session: AsyncSession,
    settings: Settings,
    organization: Organization,
    email: str,
    role: str,
    *,
    actor: Principal,
) -> InvitationOut:
    token, token_hash = new_refresh_token()
    now = utcnow()
    invitation = Invitation(
        organization_id=organization.id,
        email=email,
        role=role,
        token_hash=token_hash,
        invited_by_id=actor.user.id,
        created_at=now,
        sent_at=now,
        expires_at=now + timedelta(hours=settings.invitation_ttl_hours),
    )
    session.add(invitation)
    conflict = (["body", "email"], OPEN_INVITATION, OPEN_INVITATION_ZH)
    await flush_or_conflict(session, {"uq_invitations_open": conflict})
    await _mail_invitation(session, settings, invitation, token, organization, actor.user.name)
    return invitation_out(invitation, {actor.user.id: actor.user.name})


async def _count_invitation(session: AsyncSession, settings: Settings, organization_id: uuid.UUID) -> None:
    count, ends_at = await rate_limit.hit(session, key=f"invite:org:{organization_id}", window_seconds=3600)
    if count > settings.invitations_per_organization_per_hour:
        wait = rate_limit.retry_after(ends_at)
        raise TooManyRequests(
            f"This organization sent too many invitations this hour; try again in {wait} seconds.",
            zh=f"本机构本小时发送的邀请过多，请 {wait} 秒后再试。",
            retry_after=wait,
        )


async def _mail_invitation(
    session: AsyncSession,
    settings: Settings,
    invitation: Invitation,
    token: str,
    organization: Organization,
    inviter: str,
) -> None:
    hours = settings.invitation_ttl_hours
    link = f"{settings.frontend_url.rstrip('/')}/invitations/accept?token={token}"
    await mail.enqueue(
        session,
        to=invitation.email,
        subject=f"{inviter} 邀请您加入「{organization.name}」",
        body=(
            f"您好：\n\n{inviter} 邀请您以「{ROLE_NAMES_ZH[invitation.role]}」身份"
            f"加入「{organization.name}」，"
            f"在四川省设备更新供需对接平台上协同工作。\n\n"
            f"接受邀请请打开：\n{link}\n\n"
            f"或在应用中输入邀请码：\n{token}\n\n"
            f"邀请在 {hours} 小时内有效，只能使用一次。已有账号请先用本邮箱登录再接受；"
            f"没有账号的，接受时设置姓名和密码即可。\n\n"
            f"如果您不认识邀请人，请忽略本邮件。\n"
        ),
    )


async def _owned_invitation(
    session: AsyncSession, organization_id: uuid.UUID, invitation_id: uuid.UUID, *, actor: Principal
) -> tuple[Team, Invitation]:
    team = await _locked_team(session, organization_id, actor)
    invitation = await repository.get_invitation(session, team.organization.id, invitation_id)
    if invitation is None:
        raise NotFound("No such invitation.", zh="没有这个邀请。")
    return team, invitation


async def revoke_invitation(
    session: AsyncSession, organization_id: uuid.UUID, invitation_id: uuid.UUID, *, actor: Principal
) -> None:
    """An owner revokes an invitation: its token stops working. One accepted already is 409."""
    _, invitation = await _owned_invitation(session, organization_id, invitation_id, actor=actor)
    if invitation.accepted_at is not None:
        raise Conflict(
            "This invitation was accepted; remove the member instead.", zh="该邀请已被接受，请改为移除成员。"
        )
    if invitation.revoked_at is None:
        invitation.revoked_at = utcnow()
        await session.flush()


async def resend_invitation(
    session: AsyncSession,
    settings: Settings,
    organization_id: uuid.UUID,
    invitation_id: uuid.UUID,
    *,
    actor: Principal,
) -> InvitationOut:
    """A new token (the old one stops working) and a new expiry, mailed again."""
    team, invitation = await _owned_invitation(session, organization_id, invitation_id, actor=actor)
    if invitation.accepted_at is not None or invitation.revoked_at is not None:
        raise Conflict(
            f"This invitation is {invitation_status(invitation)}; send a new one instead.",
            zh="该邀请已被接受或已撤销，请重新发出邀请。",
        )
    await _count_invitation(session, settings, team.organization.id)
    token, invitation.token_hash = new_refresh_token()
    now = utcnow()
    invitation.sent_at = now
    invitation.expires_at = now + timedelta(hours=settings.invitation_ttl_hours)
    await session.flush()
    await _mail_invitation(session, settings, invitation, token, team.organization, actor.user.name)
    names = await organization_names.get_user_names(session, {i for i in [invitation.invited_by_id] if i})
    return invitation_out(invitation, names)


# --- accepting --------------------------------------------------------------------------------------

INVALID_TOKEN = "is not a valid invitation token: check the mail, or ask for a new invitation"  # noqa: S105 - a message
INVALID_TOKEN_ZH = "不是有效的邀请码：请核对邮件，或请对方重新邀请"  # noqa: S105


async def accept(session: AsyncSession, data: AcceptIn, *, principal: Principal | None) -> MembershipOut:
    """Accept an invitation. An address with an account must be logged in as that account (it then moves
    to this organization; a user belongs to one); an address with none gives a name and a password,
    and the account is created with the address verified (the token came to it). A removed member's
    closed account opens again the same way. The token then stops working."""
    invitation = await repository.invitation_by_token(session, hash_refresh_token(data.token))
    if invitation is None:
        raise InvalidInput(["body", "token"], INVALID_TOKEN, zh=INVALID_TOKEN_ZH)
    status = invitation_status(invitation)
    if status != "pending":
        what = {"accepted": "was already used", "revoked": "was revoked", "expired": "has expired"}[status]
        zh = {"accepted": "已被使用", "revoked": "已被撤销", "expired": "已过期"}[status]
        raise InvalidInput(
            ["body", "token"], f"{what}: ask for a new invitation", zh=f"该邀请{zh}：请对方重新邀请"
        )
    existing = await repository.get_user_by_email(session, invitation.email)
    # Both organizations a move touches, locked in id order: two opposite moves cannot deadlock.
    ids = sorted({invitation.organization_id, *([existing.organization_id] if existing else [])})
    locked = {i: await repository.lock_organization(session, i) for i in ids}
    organization = locked[invitation.organization_id]
    assert organization is not None
    user = await repository.get_user_by_email(session, invitation.email, for_update=True)
    if principal is not None and principal.user.email != invitation.email:
        raise Forbidden(
            f"This invitation is for {invitation.email}; you are logged in as {principal.user.email}.",
            zh=f"该邀请发给 {invitation.email}，而您当前登录的是 {principal.user.email}。",
        )
    active = user is not None and user.is_active and user.left_organization_at is None
    if user is not None and active:
        created = False
        await _move(session, user, invitation, principal=principal)
    else:
        created = user is None
        user = await _open_account(session, user, invitation, data)
    now = utcnow()
    invitation.accepted_at, invitation.accepted_by_id = now, user.id
    await notifications.notify(
        session,
        organization.id,
        "member_joined",
        "新成员加入",
        f"{user.name}（{user.email}）接受邀请，以「{ROLE_NAMES_ZH[user.role]}」身份加入了本机构。",
        {"user_id": str(user.id)},
    )
    await session.flush()
    return MembershipOut(
        organization=MembershipOrganization(
            id=organization.id, name=organization.name, kind=organization.kind
        ),
        user=MemberUser(id=user.id, name=user.name, email=user.email),
        role=user.role,
        joined_at=user.joined_at,
        new_account=created,
    )


async def _move(
    session: AsyncSession, user: User, invitation: Invitation, *, principal: Principal | None
) -> None:
    """An existing account joins the inviting organization, leaving its own (not as its last owner)."""
    if principal is None:
        raise Unauthorized(
            f"{invitation.email} already has an account: log in with it, then accept with its bearer token.",
            zh=f"{invitation.email} 已有账号：请先用该账号登录，再携带访问令牌接受邀请。",
        )
    if user.organization_id == invitation.organization_id:
        raise Conflict("You are already a member of this organization.", zh="您已是本机构成员。")
    if principal.is_admin:
        raise Forbidden("An admin account cannot join an organization.", zh="管理员账号不能加入机构。")
    old = await repository.lock_organization(session, user.organization_id)
    assert old is not None
    members = await repository.members_by_id(session, old.id)
    owners = sum(1 for member in members.values() if member.role == "owner")
    if user.role == "owner" and owners == 1:
        raise Conflict(
            f"You are the last owner of 「{old.name}」: make another member owner there first.",
            zh=f"您是「{old.name}」的最后一名所有者：请先在该机构指定另一名所有者。",
        )
    await notifications.notify(
        session,
        old.id,
        "member_left",
        "成员离开了本机构",
        f"{user.name}（{user.email}）接受了另一机构的邀请，已离开本机构。",
        {"user_id": str(user.id)},
    )
    now = utcnow()
    user.organization_id, user.role, user.joined_at = invitation.organization_id, invitation.role, now
    # Every session ends, this one too: a token (and a live notification stream) of the old organization
    # must not outlive the move. The user logs in again, into the new one.
    await accounts.revoke_sessions(session, user.id, at=now, reason="moved_organization")
    await session.flush()


async def _open_account(
    session: AsyncSession, user: User | None, invitation: Invitation, data: AcceptIn
) -> User:
    """A new account for the invited address, or a removed member's closed one opened again."""
    missing = [name for name in ("password", "name") if getattr(data, name) is None]
    if missing:
        msg, zh = "is required for a new account", "新账号必填"
        raise InvalidFields(
            f"A new account needs: {', '.join(missing)}.",
            zh=f"新账号必须填写：{'、'.join(missing)}。",
            errors=[FieldError(["body", name], msg, zh, type="missing") for name in missing],
        )
    assert data.password is not None and data.name is not None
    if user is not None and user.left_organization_at is None:
        raise Forbidden("This account is disabled; contact an admin.", zh="该账号已被停用，请联系管理员。")
    now = utcnow()
    password_hash = await hash_password(data.password)
    if user is None:
        user = User(email=invitation.email, organization_id=invitation.organization_id)
        session.add(user)
    user.name, user.password_hash, user.role = data.name, password_hash, invitation.role
    user.organization_id, user.joined_at, user.email_verified_at = invitation.organization_id, now, now
    user.is_active, user.left_organization_at = True, None
    taken = (
        ["body", "token"],
        "was just used for this address by another invitation",
        "刚被另一邀请用于该邮箱",
    )
    await flush_or_conflict(session, {"uq_users_email": taken})
    return user
