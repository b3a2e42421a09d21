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


def require_kind(*kinds: str) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency that lets only organizations of these kinds through (403 otherwise)."""

    async def _check(principal: CurrentPrincipal) -> Principal:
        if principal.kind not in kinds:
            raise Forbidden(
                f"This needs an account of kind: {', '.join(kinds)}.",
                zh=f"此操作需要以下类型的账号：{'、'.join(kinds)}。",
            )
        return principal

    return _check


AdminPrincipal = Annotated[Principal, Depends(require_kind("admin"))]
EnterprisePrincipal = Annotated[Principal, Depends(require_kind("enterprise"))]
SupplierPrincipal = Annotated[Principal, Depends(require_kind("supplier"))]
BankPrincipal = Annotated[Principal, Depends(require_kind("bank"))]
QuoterPrincipal = Annotated[Principal, Depends(require_kind("supplier", "provider"))]


def viewer_of(principal: Principal | None) -> Viewer:
    """Who is looking, for object-level visibility checks (anonymous callers see public data only)."""
    return principal.viewer if principal else ANONYMOUS


IfMatchHeader = Annotated[str | None, Header(alias="If-Match", max_length=200)]
