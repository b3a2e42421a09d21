from __future__ import annotations

import uuid
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
