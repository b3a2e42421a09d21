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
from app.kit import audit as recorder

SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(_settings)]

_bearer = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


READS = frozenset({"GET", "HEAD", "OPTIONS"})


async def _principal(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    token: Annotated[str | None, Depends(_bearer)],
) -> Principal:
    if not token:
        raise Unauthorized()
    principal = await auth.authenticate(session, settings, token)
    if principal.kind in ("admin", "gov") and request.method not in READS:
        # Every write an admin or an operator makes lands in the audit log (app/kit/audit.py).
        recorder.begin(session.sync_session, recorder.Actor(principal.user.id, principal.organization.id))
    return principal


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


async def _operator(principal: CurrentPrincipal) -> Principal:
    if principal.scope is None:
        if principal.kind == "gov":
            raise Forbidden(
                "You are not a 服务专员 yet: ask an admin to give you an operator level and region.",
                zh="您尚未被设为服务专员：请联系管理员为您设置服务层级和地区。",
            )
        raise Forbidden(
            "This needs a 服务专员 (a member of a gov organization with a level and region) or an admin.",
            zh="此操作需要服务专员（政府部门中已设置层级和地区的成员）或管理员账号。",
        )
    return principal


_operator.required_role = "member"  # type: ignore[attr-defined]
_operator.required_kinds = ("admin", "gov")  # type: ignore[attr-defined]
OperatorPrincipal = Annotated[Principal, Depends(_operator)]


async def _province_operator(principal: OperatorPrincipal) -> Principal:
    if principal.scope is None or principal.scope.level != "province":
        raise Forbidden(
            "This needs a province-level 服务专员 or an admin.", zh="此操作需要省级服务专员或管理员账号。"
        )
    return principal


_province_operator.required_role = "member"  # type: ignore[attr-defined]
_province_operator.required_kinds = ("admin", "gov")  # type: ignore[attr-defined]
ProvinceOperator = Annotated[Principal, Depends(_province_operator)]


def viewer_of(principal: Principal | None) -> Viewer:
    """Who is looking, for object-level visibility checks (anonymous callers see public data only)."""
    return principal.viewer if principal else ANONYMOUS


IfMatchHeader = Annotated[str | None, Header(alias="If-Match", max_length=200)]
