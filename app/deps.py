"""Typed dependencies: the session, settings, and who is calling."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import principal as auth
from app.auth.principal import ANONYMOUS, Principal, Viewer
from app.config import Settings
from app.db import get_session
from app.errors import Forbidden, Unauthorized

SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(_settings)]

_bearer = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


async def _principal(
    session: SessionDep, settings: SettingsDep, token: Annotated[str | None, Depends(_bearer)]
) -> Principal:
    if not token:
        raise Unauthorized()
    return await auth.authenticate(session, settings, token)


async def _optional_principal(
    session: SessionDep, settings: SettingsDep, token: Annotated[str | None, Depends(_bearer)]
) -> Principal | None:
    if not token:
        return None
    return await auth.authenticate(session, settings, token)


# What the OpenAPI document looks for to say an operation needs a token, or takes one if given.
REQUIRES_TOKEN = _principal
ACCEPTS_TOKEN = _optional_principal

CurrentPrincipal = Annotated[Principal, Depends(_principal)]
OptionalPrincipal = Annotated[Principal | None, Depends(_optional_principal)]


def require(*kinds: str, role: str = "member") -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency that lets through only callers of these organization kinds (any kind when none is
    given) whose role in it is `role` or above (403 otherwise). The role is kept on the function, so
    the route table can be checked and documented (tests/test_role_matrix.py)."""

    async def _check(principal: CurrentPrincipal) -> Principal:
        if kinds and principal.kind not in kinds:
            raise Forbidden(
                f"This needs an account of kind: {', '.join(kinds)}.",
                zh=f"此操作需要以下类型的账号：{'、'.join(kinds)}。",
            )
        if not principal.is_admin:
            principal.viewer.require(role, action="This", action_zh="此操作")
        return principal

    _check.required_role = role  # type: ignore[attr-defined]
    _check.required_kinds = kinds  # type: ignore[attr-defined]
    return _check


def require_kind(*kinds: str) -> Callable[[Principal], Awaitable[Principal]]:
    """Organizations of these kinds, any role."""
    return require(*kinds)


AdminPrincipal = Annotated[Principal, Depends(require_kind("admin"))]
EnterprisePrincipal = Annotated[Principal, Depends(require_kind("enterprise"))]
SupplierPrincipal = Annotated[Principal, Depends(require_kind("supplier"))]
BankPrincipal = Annotated[Principal, Depends(require_kind("bank"))]
QuoterPrincipal = Annotated[Principal, Depends(require_kind("supplier", "provider"))]
# The same, for what commits the organization (app/auth/roles.py): managers and owners.
ManagerPrincipal = Annotated[Principal, Depends(require(role="manager"))]
OwnerPrincipal = Annotated[Principal, Depends(require(role="owner"))]
EnterpriseManager = Annotated[Principal, Depends(require("enterprise", role="manager"))]
BankManager = Annotated[Principal, Depends(require("bank", role="manager"))]
QuoterManager = Annotated[Principal, Depends(require("supplier", "provider", role="manager"))]


def viewer_of(principal: Principal | None) -> Viewer:
    """Who is looking, for object-level visibility checks (anonymous callers see public data only)."""
    return principal.viewer if principal else ANONYMOUS


IfMatchHeader = Annotated[str | None, Header(alias="If-Match", max_length=200)]
