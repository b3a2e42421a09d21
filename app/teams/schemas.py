from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, EmailStr, Field, StringConstraints

from app.kernel import InvitationStatus, MemberRole, OrganizationKind, RegionLevel
from app.kit.inputs import InputUUID, StrictInput

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
NewPassword = Annotated[
    str, Field(min_length=10, max_length=128, description="10 to 128 characters; a passphrase is best.")
]


class MemberUser(BaseModel):
    id: uuid.UUID
    name: str
    email: str


class MemberOut(BaseModel):
    """A member of an organization: the user and their role."""

    user: MemberUser
    role: MemberRole
    joined_at: datetime
    operator_level: RegionLevel | None = Field(
        default=None, description="For a 服务专员 of a government office: the level they serve at."
    )
    operator_region_code: str | None = Field(default=None, description="…and the region.")


class MemberList(BaseModel):
    items: list[MemberOut]
    next_cursor: str | None


class RoleChangeIn(StrictInput):
    role: MemberRole


class OwnershipTransferIn(StrictInput):
    user_id: InputUUID = Field(description="The member who becomes an owner; the caller becomes a manager.")


class InvitationIn(StrictInput):
    email: EmailStr = Field(max_length=254)
    role: MemberRole = MemberRole.MEMBER


class Inviter(BaseModel):
    id: uuid.UUID
    name: str


class InvitationOut(BaseModel):
    id: uuid.UUID
    organization_id: uuid.UUID
    email: str
    role: MemberRole
    status: InvitationStatus
    invited_by: Inviter | None
    created_at: datetime
    sent_at: datetime = Field(description="When the current token was mailed (a resend moves it).")
    expires_at: datetime
    accepted_at: datetime | None


class InvitationList(BaseModel):
    items: list[InvitationOut]
    next_cursor: str | None


class AcceptIn(StrictInput):
    token: str = Field(min_length=1, max_length=200, description="The token from the invitation mail.")
    password: NewPassword | None = Field(
        default=None, description="For a new account (the address has none yet): its password."
    )
    name: Name | None = Field(default=None, description="For a new account: the user's name.")


class MembershipOrganization(BaseModel):
    id: uuid.UUID
    name: str
    kind: OrganizationKind


class MembershipOut(BaseModel):
    """The caller's membership after accepting: the organization, the user, and the role."""

    organization: MembershipOrganization
    user: MemberUser
    role: MemberRole
    joined_at: datetime
    new_account: bool = Field(description="Whether accepting created the account (log in with it next).")
