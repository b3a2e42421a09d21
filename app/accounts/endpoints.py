from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Form, Request, Response, status

from app.accounts import lifecycle, service
from app.accounts.schemas import (
    Accepted,
    LogoutIn,
    MembershipRole,
    MeOut,
    PasswordChangeIn,
    PasswordResetConfirmIn,
    PasswordResetIn,
    RefreshIn,
    RegisterIn,
    RegisterOut,
    SessionList,
    TokenOut,
    UserOut,
    VerifyEmailIn,
)
from app.auth.principal import Viewer
from app.deps import CurrentPrincipal, OptionalPrincipal, SessionDep, SettingsDep
from app.errors import InvalidInput, Unauthorized
from app.kit.client_ip import client_address
from app.kit.inputs import WITHOUT_NUL
from app.kit.pagination import PageParamsDep
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
    return await service.login(
        session,
        settings,
        email=username,
        password=password,
        client=client,
        user_agent=request.headers.get("user-agent"),
    )


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
    responses=problems(401, 413, 422),
    summary="End one login session: the refresh token's, or the bearer token's",
)
async def logout(body: LogoutIn, session: SessionDep, principal: OptionalPrincipal) -> Response:
    """With `{refresh_token}` (no bearer token needed): ends the login session that refresh token
    belongs to; an unknown or dead one changes nothing and still answers 204, so a client can always
    log out. With `{}`: ends the session of the bearer token (401 without one). Either way the
    session's access and refresh tokens stop working at once."""
    if body.refresh_token is not None:
        await lifecycle.logout_by_refresh_token(session, body.refresh_token)
    elif principal is not None:
        await service.logout(session, principal)
    else:
        raise Unauthorized()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/auth/logout-all",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="logout_everywhere",
    responses=problems(401),
    summary="End every login session of the caller, this one too",
)
async def logout_everywhere(principal: CurrentPrincipal, session: SessionDep) -> Response:
    """Any logged-in caller: every session of the account ends at once, on every device (this one
    too). Answers 204."""
    await lifecycle.logout_everywhere(session, principal)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/auth/password",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="change_password",
    responses=problems(401, 413, 422, 429),
    summary="Change the caller's password (every other session ends)",
)
async def change_password(
    body: PasswordChangeIn,
    request: Request,
    principal: CurrentPrincipal,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    """Any logged-in caller, with the current password (422 on `current_password` when wrong; wrong
    guesses wait like failed logins, 429 with `Retry-After`). Every other session of the account ends;
    this one stays. Open password-reset tokens die, and a notice is mailed. Answers 204."""
    request.state.keep_changes_on_error = True  # a wrong guess counts
    await lifecycle.change_password(
        session, settings, principal, current=body.current_password, new=body.new_password
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/auth/password-reset",
    status_code=status.HTTP_202_ACCEPTED,
    operation_id="request_password_reset",
    responses=problems(413, 422, 429),
    summary="Mail a password-reset token (the same answer whether the email has an account or not)",
)
async def request_password_reset(
    body: PasswordResetIn, request: Request, session: SessionDep, settings: SettingsDep
) -> Accepted:
    """Open to anyone: when the email belongs to an open account, a reset token valid 30 minutes is
    mailed (a newer one kills the older). The answer is 202 either way, so the form tells nobody who
    has an account. 429 beyond `PASSWORD_RESETS_PER_CLIENT_PER_HOUR` from one address; one address gets
    at most 3 mails an hour."""
    request.state.keep_changes_on_error = True  # the attempt counts even when refused
    client = client_address(request, settings.trusted_proxy_networks)
    await lifecycle.request_reset(session, settings, email=str(body.email), client=client)
    return Accepted()


@router.post(
    "/auth/password-reset/confirm",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="confirm_password_reset",
    responses=problems(413, 422),
    summary="Set a new password with a mailed reset token",
)
async def confirm_password_reset(body: PasswordResetConfirmIn, session: SessionDep) -> Response:
    """Open to the token's holder: sets the new password; the token is single use and lives 30 minutes
    (422 on `token` when unknown, used or expired, and nothing changes). Every session of the account
    ends, failed-login waits on it are lifted, and the address counts as verified. Answers 204."""
    await lifecycle.confirm_reset(session, token=body.token, new_password=body.new_password)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/auth/verify-email",
    operation_id="verify_email",
    responses=problems(413, 422),
    summary="Confirm the email address with the mailed token",
)
async def verify_email(body: VerifyEmailIn, session: SessionDep) -> UserOut:
    """Open to the token's holder (mailed at registration, or by `POST /me/email-verification`): the
    account's address is verified. Single use; 422 on `token` when unknown, used or expired."""
    return service.user_out(await lifecycle.verify_email(session, token=body.token))


@router.post(
    "/me/email-verification",
    status_code=status.HTTP_202_ACCEPTED,
    operation_id="resend_email_verification",
    responses=problems(401, 429),
    summary="Mail the email check again",
)
async def resend_email_verification(
    principal: CurrentPrincipal, session: SessionDep, settings: SettingsDep
) -> Accepted:
    """Any logged-in caller whose address is not verified yet: a new check token is mailed (the older
    dies), at most one a minute (429 with `Retry-After`). A verified address gets nothing. Answers 202."""
    await lifecycle.resend_email_check(session, settings, principal)
    return Accepted()


@router.get(
    "/me/sessions",
    operation_id="list_my_sessions",
    responses=problems(401, 422),
    summary="The caller's live login sessions",
)
async def list_my_sessions(
    principal: CurrentPrincipal, session: SessionDep, settings: SettingsDep, page: PageParamsDep
) -> SessionList:
    """Any logged-in caller: every login session of the account that has not ended, newest first, with
    the device's `User-Agent` and address at login, when it was last used, and which one is asking
    (`current`)."""
    items, cursor = await lifecycle.page_sessions(session, settings, principal, page)
    return SessionList(items=items, next_cursor=cursor)


@router.delete(
    "/me/sessions/{session_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="revoke_my_session",
    responses=problems(401, 404, 422),
    summary="End one of the caller's login sessions",
)
async def revoke_my_session(
    session_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep
) -> Response:
    """Any logged-in caller: ends one of their own sessions (a lost phone); its tokens stop working at
    once. 404 for another user's session or one already ended. Answers 204."""
    await lifecycle.revoke_own_session(session, principal, session_id)
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
