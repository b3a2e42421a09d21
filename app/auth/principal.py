"""The authenticated caller (`Principal`) and who is looking (`Viewer`), from an access token."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import roles
from app.auth.scope import EVERYWHERE, Scope
from app.auth.tokens import InvalidToken, decode_access_token
from app.config import Settings
from app.errors import Forbidden, Unauthorized
from app.models.account import AuthSession, User
from app.models.organization import Organization


@dataclass(frozen=True)
class Viewer:
    """Who is looking: enough to decide what of an organization they may see or change."""

    organization_id: uuid.UUID | None
    is_admin: bool
    # The viewer's role in their organization (app/auth/roles.py); None for anonymous callers.
    role: str | None = None
    # Where the viewer acts as an operator (admins: everywhere); None for everyone else.
    scope: Scope | None = None

    def oversees(self, region_code: str | None) -> bool:
        """Whether the viewer is an operator (or admin) whose region holds `region_code`."""
        return self.scope is not None and self.scope.covers(region_code)

    def is_member_of(self, organization: Organization) -> bool:
        return self.organization_id == organization.id

    def may(self, needed: str) -> bool:
        return self.is_admin or roles.may(self.role, needed)

    def require(self, needed: str, *, action: str, action_zh: str) -> None:
        """403 unless the viewer's role is `needed` or above: the one role check every part uses."""
        if not self.may(needed):
            raise role_refused(needed, action=action, action_zh=action_zh)


ANONYMOUS = Viewer(organization_id=None, is_admin=False)


def role_refused(needed: str, *, action: str, action_zh: str) -> Forbidden:
    above = "" if needed == "owner" else " or owner"
    above_zh = "" if needed == "owner" else "或所有者"
    return Forbidden(
        f"{action} needs the role {needed}{above} in your organization; ask one of its owners.",
        zh=f"{action_zh}需要本机构的{roles.ROLE_NAMES_ZH[needed]}{above_zh}角色，请联系本机构的所有者。",
        needed_role=needed,
    )


@dataclass(frozen=True)
class Principal:
    """The authenticated caller: user, organization and the login session the token belongs to."""

    user: User
    organization: Organization
    session_id: uuid.UUID
    # When the access token presented expires (a live stream ends then, so the client logs in anew).
    token_expires_at: datetime | None = None

    @property
    def kind(self) -> str:
        return self.organization.kind

    @property
    def is_admin(self) -> bool:
        return self.organization.kind == "admin"

    @property
    def role(self) -> str:
        return self.user.role

    @property
    def scope(self) -> Scope | None:
        """Where the caller acts as an operator: admins everywhere, a 服务专员 in their region."""
        if self.is_admin:
            return EVERYWHERE
        level, region = self.user.operator_level, self.user.operator_region_code
        if self.kind == "gov" and level is not None and region is not None:
            return Scope(region_code=region, level=level)
        return None

    @property
    def viewer(self) -> Viewer:
        return Viewer(
            organization_id=self.organization.id,
            is_admin=self.is_admin,
            role=self.user.role,
            scope=self.scope,
        )


async def get_principal_rows(
    session: AsyncSession, *, user_id: uuid.UUID, session_id: uuid.UUID
) -> tuple[User, Organization] | None:
    """The user and organization behind a token, if its login session is still live."""
    stmt = (
        select(User, Organization)
        .join(Organization, Organization.id == User.organization_id)
        .join(AuthSession, AuthSession.user_id == User.id)
        .where(
            User.id == user_id,
            AuthSession.id == session_id,
            AuthSession.revoked_at.is_(None),
            User.is_active.is_(True),
            User.left_organization_at.is_(None),
        )
    )
    row = (await session.execute(stmt)).first()
    return (row[0], row[1]) if row else None


async def login_session_live(session: AsyncSession, *, user_id: uuid.UUID, session_id: uuid.UUID) -> bool:
    """Whether this user's login session still stands (not logged out, the user still active)."""
    return await get_principal_rows(session, user_id=user_id, session_id=session_id) is not None


async def authenticate(session: AsyncSession, settings: Settings, token: str) -> Principal:
    try:
        claims = decode_access_token(settings, token)
    except InvalidToken as exc:
        raise Unauthorized("The access token is invalid or expired.", zh="访问令牌无效或已过期。") from exc
    rows = await get_principal_rows(session, user_id=claims.user_id, session_id=claims.session_id)
    if rows is None:
        raise Unauthorized("The login session has ended; log in again.", zh="登录会话已结束，请重新登录。")
    user, organization = rows
    return Principal(
        user=user,
        organization=organization,
        session_id=claims.session_id,
        token_expires_at=claims.expires_at,
    )
