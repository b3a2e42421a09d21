from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response, status

from app.accounts import service
from app.accounts.schemas import MembershipRole, MeOut, RefreshIn, RegisterIn, RegisterOut, TokenOut, UserOut
from app.auth.principal import Viewer
from app.deps import CurrentPrincipal, SessionDep, SettingsDep
from app.errors import InvalidInput
from app.kit.client_ip import client_address
from app.kit.inputs import WITHOUT_NUL
from app.kit.problems import problems
from app.organizations import service as organizations

router = APIRouter(tags=["accounts"])


@router.post(
    "/auth/register",
    status_code=status.HTTP_201_CREATED,
    operation_id="register",
    responses=problems(409, 413, 422, 429),
    summary="Register a user and a new organization (pending vetting)",
)
async def register(
    body: RegisterIn, request: Request, session: SessionDep, settings: SettingsDep, response: Response
) -> RegisterOut:
    """Open to anyone: creates a user and a new organization of the chosen kind, which starts as
    `pending` until an admin vets it (some actions, such as publishing demands, quoting or publishing
    financing products, wait for vetting). Returns the user and the organization as its member sees
    it, with a `Location` header pointing at the organization. 409 when the 统一社会信用代码 is held by
    another organization (a pending one holds it for `PENDING_USCC_HOLD_DAYS`, then a new registration
    takes it over); 422 for an invalid USCC or unknown catalog codes; 429 after
    `REGISTRATIONS_PER_CLIENT_PER_HOUR` from one address. An email that already has an account gets
    the same answer as a new one, but nothing is created and that account's organization is told: log
    in (or reset the password) instead."""
    request.state.keep_changes_on_error = True  # the attempt counts even when it fails
    client = client_address(request, settings.trusted_proxy_networks)
    registration = await service.register_from_client(session, settings, body, client=client)
    user, organization = registration.user, registration.organization
    response.headers["Location"] = f"/api/v1/organizations/{organization.id}"
    viewer = Viewer(organization_id=organization.id, is_admin=False)
    return RegisterOut(
        user=UserOut(id=user.id, email=user.email, name=user.name),
        organization=await organizations.to_out(session, organization, viewer),
    )


@router.post(
    "/auth/token",
    operation_id="login",
    responses=problems(401, 413, 422, 429),
    summary="Log in with email and password (OAuth2 password form)",
)
async def login(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    username: Annotated[str, Form(max_length=254, pattern=WITHOUT_NUL, description="The account's email.")],
    password: Annotated[str, Form(max_length=128)],
    grant_type: Annotated[str | None, Form(pattern="^password$")] = None,
) -> TokenOut:
    """OAuth2 password grant as a form: `username` is the account's email. Returns a bearer access
    token and a refresh token, starting a new login session. A wrong email or password is 401.
    Repeated failures answer 429 with `Retry-After`, the wait doubling with each further failure: five
    for one account from one client address (others can still log in to it), twenty from one address
    over all accounts, fifty for one account over all addresses (IPv6 addresses count by /64)."""
    if not username.strip():
        raise InvalidInput(["body", "username"], "is required", zh="必填")
    client = client_address(request, settings.trusted_proxy_networks)
    return await service.login(session, settings, email=username, password=password, client=client)


@router.post(
    "/auth/refresh",
    operation_id="refresh_token",
    responses=problems(401, 413, 422),
    summary="Trade a refresh token for a new pair (the old one dies)",
)
async def refresh(body: RefreshIn, session: SessionDep, settings: SettingsDep) -> TokenOut:
    """Trades a refresh token for a new access and refresh token pair; the presented refresh token
    stops working. Presenting a refresh token that was already used is treated as theft: the whole
    login session is revoked and the answer is 401, so the user must log in again. Expired or unknown
    tokens, ended sessions and disabled accounts are 401 too."""
    return await service.refresh(session, settings, refresh_token=body.refresh_token)


@router.post(
    "/auth/logout",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="logout",
    responses=problems(401),
    summary="End this login session (access and refresh tokens stop working)",
)
async def logout(principal: CurrentPrincipal, session: SessionDep) -> Response:
    """Any logged-in caller: ends the login session the access token belongs to, so its access and
    refresh tokens stop working at once. Answers 204 with no body."""
    await service.logout(session, principal)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/me", operation_id="get_me", responses=problems(401), summary="The caller's user and organization"
)
async def me(principal: CurrentPrincipal, session: SessionDep) -> MeOut:
    """Any logged-in caller: the caller's user and organization, with the organization's private
    fields (contacts, vetting status and note) since the caller is its member, and the caller's
    `membership.role` in it (`owner`, `manager` or `member`: what each may do is in the README)."""
    return MeOut(
        user=service.user_out(principal.user),
        organization=await organizations.to_out(session, principal.organization, principal.viewer),
        membership=MembershipRole(role=principal.user.role),
    )
