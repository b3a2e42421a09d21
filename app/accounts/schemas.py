from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, EmailStr, Field, StringConstraints

from app.kernel import MemberRole
from app.kit.inputs import StrictInput
from app.organizations.schemas import OrganizationCreate, OrganizationOut

Password = Annotated[
    str, Field(min_length=10, max_length=128, description="10 to 128 characters; a passphrase is best.")
]


class RegisterIn(StrictInput):
    email: EmailStr = Field(max_length=254)
    password: Password
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    organization: OrganizationCreate


class UserOut(BaseModel):
    id: uuid.UUID
    email: str
    name: str
    email_verified: bool = Field(default=False, description="Whether the address was confirmed by mail.")
    phone: str | None = Field(
        default=None, description="The verified mobile number (+86…) that logs in with texted codes."
    )


class MembershipRole(BaseModel):
    role: MemberRole


class RegisterOut(BaseModel):
    user: UserOut
    organization: OrganizationOut


class MeOut(BaseModel):
    user: UserOut
    organization: OrganizationOut
    membership: MembershipRole


class TokenOut(BaseModel):
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the OAuth2 token type, not a secret
    expires_in: int = Field(description="Seconds until the access token expires.")


class RefreshIn(StrictInput):
    refresh_token: str = Field(min_length=1, max_length=200)


class PasswordChangeIn(StrictInput):
    current_password: str = Field(min_length=1, max_length=128)
    new_password: Password


class PasswordResetIn(StrictInput):
    email: EmailStr = Field(max_length=254)


class PasswordResetConfirmIn(StrictInput):
    token: str = Field(min_length=1, max_length=200, description="The token from the reset mail.")
    new_password: Password


class VerifyEmailIn(StrictInput):
    token: str = Field(min_length=1, max_length=200, description="The token from the check mail.")


class LogoutIn(StrictInput):
    refresh_token: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="The session to end; leave it out to end the bearer token's session.",
    )


class SessionOut(BaseModel):
    """One login session: a device or app that logged in and may still refresh its tokens."""

    id: uuid.UUID
    created_at: datetime
    last_used_at: datetime = Field(description="When it last traded a refresh token (or logged in).")
    user_agent: str | None
    client_address: str | None
    current: bool = Field(description="Whether this is the session of the token that asked.")


class SessionList(BaseModel):
    items: list[SessionOut]
    next_cursor: str | None


class Accepted(BaseModel):
    """The request was taken; what follows (a mail, a text) happens out of band."""

    status: Literal["accepted"] = "accepted"
