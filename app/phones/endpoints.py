from __future__ import annotations

from fastapi import APIRouter, Request, Response, status

from app.accounts import service as accounts
from app.accounts.schemas import Accepted, TokenOut, UserOut
from app.deps import CurrentPrincipal, SessionDep, SettingsDep
from app.kit.client_ip import client_address
from app.kit.problems import problems
from app.phones import service
from app.phones.schemas import PhoneCodeIn, PhoneIn

router = APIRouter(tags=["accounts"])


@router.post(
    "/me/phone",
    status_code=status.HTTP_202_ACCEPTED,
    operation_id="add_phone",
    responses=problems(401, 413, 422, 429),
    summary="Text a code to a mobile number, to make it the caller's",
)
async def add_phone(
    body: PhoneIn, request: Request, principal: CurrentPrincipal, session: SessionDep, settings: SettingsDep
) -> Accepted:
    """Any logged-in caller: a mainland mobile number (11 digits from 1, optionally `+86`) is texted a
    6-digit code valid 5 minutes; confirm it with `POST /me/phone/verify`. One code a number a minute
    (429 with `Retry-After`). A number another account has verified is not texted (the answer is the
    same)."""
    request.state.keep_changes_on_error = True  # a refused request still counts
    client = client_address(request, settings.trusted_proxy_networks)
    await service.request_check(session, settings, principal, phone=body.phone, client=client)
    return Accepted()


@router.post(
    "/me/phone/verify",
    operation_id="verify_phone",
    responses=problems(401, 409, 413, 422),
    summary="Confirm the texted code: the number becomes the caller's",
)
async def verify_phone(
    body: PhoneCodeIn,
    request: Request,
    principal: CurrentPrincipal,
    session: SessionDep,
    settings: SettingsDep,
) -> UserOut:
    """Any logged-in caller: with the right code the number is the caller's, verified, shown as
    `user.phone` (`+86…`) and good for `POST /auth/sms-code`. A wrong or expired code is 422 on `code`
    (a code dies after 5 wrong tries); 409 if another account verified the number meanwhile."""
    request.state.keep_changes_on_error = True  # a wrong try counts
    user = await service.verify(session, settings, principal, phone=body.phone, code=body.code)
    return accounts.user_out(user)


@router.delete(
    "/me/phone",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="remove_phone",
    responses=problems(401),
    summary="Remove the caller's phone number",
)
async def remove_phone(principal: CurrentPrincipal, session: SessionDep) -> Response:
    """Any logged-in caller: the number no longer logs in to this account (another may verify it).
    Answers 204."""
    await service.remove(session, principal)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/auth/sms-code",
    status_code=status.HTTP_202_ACCEPTED,
    operation_id="request_sms_login_code",
    responses=problems(413, 422, 429),
    summary="Text a login code (the same answer whether or not the number has an account)",
)
async def request_sms_login_code(
    body: PhoneIn, request: Request, session: SessionDep, settings: SettingsDep
) -> Accepted:
    """Open to anyone: if the number is an account's verified phone, a 6-digit login code valid 5
    minutes is texted to it; the answer is 202 either way. One code a number a minute (429 with
    `Retry-After`), `SMS_CODES_PER_NUMBER_PER_DAY` a day, `SMS_CODES_PER_CLIENT_PER_HOUR` from one
    client address."""
    request.state.keep_changes_on_error = True
    client = client_address(request, settings.trusted_proxy_networks)
    await service.request_login_code(session, settings, phone=body.phone, client=client)
    return Accepted()


@router.post(
    "/auth/sms-login",
    operation_id="sms_login",
    responses=problems(401, 413, 422, 429),
    summary="Log in with a phone number and the texted code",
)
async def sms_login(
    body: PhoneCodeIn, request: Request, session: SessionDep, settings: SettingsDep
) -> TokenOut:
    """Open to anyone: the same token pair as `/auth/token`, starting a new login session. A wrong or
    expired code, a code already used or void after 5 wrong tries, and a number with no account are
    all the same 401; failures from one client address wait like failed password logins (429)."""
    request.state.keep_changes_on_error = True
    client = client_address(request, settings.trusted_proxy_networks)
    return await service.login(
        session,
        settings,
        phone=body.phone,
        code=body.code,
        client=client,
        user_agent=request.headers.get("user-agent"),
    )
