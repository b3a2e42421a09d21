from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints, ValidationInfo, field_validator

from app.i18n import invalid
from app.kernel import (
    EmployeesBand,
    IndustryCode,
    OrganizationKind,
    OutputBand,
    ProviderType,
    RegionCode,
    RegisterableKind,
    SpecializedLevel,
    VettingStatus,
)
from app.kit.inputs import InputDate, StrictInput
from app.organizations.uscc import InvalidUSCC, validate_uscc

VettingDecision = Literal["approve", "reject", "suspend"]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\+?[0-9][0-9\- ]{5,30}$")]
Url = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^https?://\S+$", max_length=300)]


class Qualification(StrictInput):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    level: ShortText | None = None
    number: ShortText | None = None
    valid_until: InputDate | None = None


class Case(StrictInput):
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    client: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = None
    year: int = Field(ge=1980, le=2100)
    amount_cny: int | None = Field(default=None, ge=0, le=10**12)
    region_code: RegionCode | None = None
    industry_code: IndustryCode | None = None
    description: str = Field(default="", max_length=2000)


Service = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class ProviderProfile(StrictInput):
    """The directory (名录) profile; only provider organizations fill it."""

    services: list[Service] = Field(default_factory=list, max_length=30)
    service_region_codes: list[RegionCode] = Field(default_factory=list, max_length=21)
    industry_codes: list[IndustryCode] = Field(default_factory=list, max_length=50)
    qualifications: list[Qualification] = Field(default_factory=list, max_length=30)
    cases: list[Case] = Field(default_factory=list, max_length=50)


def _provider_types_fit_kind(value: list[str], info: ValidationInfo) -> list[str]:
    kind = info.data.get("kind")
    if kind == "provider" and not value:
        raise invalid(
            "a provider organization gives at least one provider type", "服务商机构至少要填写一种服务商类型"
        )
    if kind not in (None, "provider") and value:
        raise invalid("only provider organizations have provider types", "只有服务商机构才有服务商类型")
    if len(set(value)) != len(value):
        raise invalid("provider types must not repeat", "服务商类型不能重复")
    return value


PROFILE_FIELDS = ("services", "service_region_codes", "industry_codes", "qualifications", "cases")


def _valid_uscc(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return validate_uscc(value)
    except InvalidUSCC as exc:
        raise invalid(
            f"not a valid 统一社会信用代码: {exc}", f"不是有效的统一社会信用代码：{exc.zh or exc}"
        ) from exc


class OrganizationCreate(StrictInput):
    name: Name
    kind: RegisterableKind
    uscc: str = Field(description="统一社会信用代码, 18 characters, GB 32100-2015", max_length=40)
    region_code: RegionCode
    industry_code: IndustryCode | None = None
    provider_types: list[ProviderType] = Field(default_factory=list, max_length=3)
    description: str = Field(default="", max_length=5000)
    website: Url | None = None
    contact_name: ShortText | None = None
    contact_phone: Phone | None = None
    contact_email: (
        Annotated[str, StringConstraints(max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")] | None
    ) = None

    @field_validator("uscc")
    @classmethod
    def _uscc(cls, value: str | None) -> str | None:
        return _valid_uscc(value)

    _provider_types = field_validator("provider_types")(_provider_types_fit_kind)

    profile: ProviderProfile | None = Field(default=None, description="Provider organizations only.")

    @field_validator("profile")
    @classmethod
    def _profile_for_providers(
        cls, value: ProviderProfile | None, info: ValidationInfo
    ) -> ProviderProfile | None:
        if value is not None and info.data.get("kind") != "provider":
            raise invalid(
                "only provider organizations have a directory profile", "只有服务商机构才有名录资料"
            )
        return value


class OrganizationUpdate(StrictInput):
    """What members may change. Vetting fields and kind are not here, so sending them is a 422."""

    name: Name | None = Field(
        default=None, description="A vetted organization's new name waits for an admin's review."
    )
    uscc: str | None = Field(
        default=None,
        max_length=40,
        description="统一社会信用代码; a vetted organization's new code waits for an admin's review.",
    )

    @field_validator("uscc")
    @classmethod
    def _uscc(cls, value: str | None) -> str | None:
        return _valid_uscc(value)

    region_code: RegionCode | None = None
    industry_code: IndustryCode | None = None
    provider_types: list[ProviderType] | None = Field(default=None, max_length=3)
    description: str | None = Field(default=None, max_length=5000)
    website: Url | None = None
    contact_name: ShortText | None = None
    contact_phone: Phone | None = None
    contact_email: (
        Annotated[str, StringConstraints(max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")] | None
    ) = None
    profile: ProviderProfile | None = Field(
        default=None, description="Provider organizations only; replaces it."
    )


class UserRef(BaseModel):
    id: uuid.UUID
    name: str


class PendingChange(BaseModel):
    """A vetted organization's change of identity, waiting for an admin: until approved, the
    organization keeps its vetted name and USCC (and everything it does goes on under them)."""

    name: str | None = None
    uscc: str | None = None
    requested_at: datetime


class VettingOut(BaseModel):
    status: VettingStatus
    note: str | None
    decided_at: datetime | None
    decided_by: UserRef | None


class OrganizationOut(BaseModel):
    """Members and admins see every field; others see the public profile, private fields null."""

    id: uuid.UUID
    name: str
    kind: OrganizationKind
    uscc: str | None
    region_code: str | None
    industry_code: str | None
    provider_types: list[ProviderType]
    description: str
    website: str | None
    vetting_status: VettingStatus
    contact_name: str | None = None
    contact_phone: str | None = None
    contact_email: str | None = None
    vetting: VettingOut | None = None
    pending_change: PendingChange | None = Field(
        default=None, description="Members and admins: a change of name or USCC waiting for review."
    )
    profile: ProviderProfile | None = Field(default=None, description="Provider organizations only.")
    enterprise_profile: EnterpriseProfileOut | None = Field(
        default=None,
        description="Enterprises only, for their members, admins and the operators of their region.",
    )
    created_at: datetime
    updated_at: datetime


class VettingDecisionIn(StrictInput):
    decision: VettingDecision
    note: str = Field(default="", max_length=2000, validate_default=True)

    @field_validator("note")
    @classmethod
    def _note_for_reject(cls, value: str, info: ValidationInfo) -> str:
        if info.data.get("decision") in ("reject", "suspend") and not value.strip():
            raise invalid(
                "a rejection or suspension needs a note telling the organization why",
                "驳回或暂停时需要填写说明，告诉该机构原因",
            )
        return value.strip()


class VettingDecisionOut(BaseModel):
    id: uuid.UUID
    decision: VettingDecision
    note: str
    from_status: VettingStatus
    to_status: VettingStatus
    decided_by: UserRef | None = Field(
        description="Null when the system decided (a pending organization's hold on its USCC ran out)."
    )
    decided_at: datetime


class VettingDecisionList(BaseModel):
    items: list[VettingDecisionOut]
    next_cursor: str | None


class VettingQueueItem(BaseModel):
    type: Literal["organization", "product"]
    id: uuid.UUID
    name: str
    kind: OrganizationKind | None = None
    uscc: str | None = None
    region_code: str | None = None
    organization_id: uuid.UUID = Field(description="The organization itself, or the product's supplier.")
    submitted_at: datetime
    pending_change: PendingChange | None = Field(
        default=None,
        description="A vetted organization asking to change its name or USCC: approve applies it, "
        "reject keeps the vetted ones.",
    )


class VettingQueue(BaseModel):
    items: list[VettingQueueItem]
    next_cursor: str | None


ProductName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class EnterpriseProfileIn(StrictInput):
    """Only the fields sent change. An edit asks an operator to confirm the profile again."""

    above_designated_size: bool | None = Field(
        default=None, description="规模以上工业企业 (主营业务收入2000万元及以上)."
    )
    specialized_level: SpecializedLevel | None = None
    high_tech: bool | None = Field(default=None, description="A certified 高新技术企业.")
    employees_band: EmployeesBand | None = None
    output_band: OutputBand | None = Field(default=None, description="Annual revenue (营业收入).")
    main_products: list[ProductName] | None = Field(default=None, max_length=20)


class EnterpriseProfileOut(BaseModel):
    """An enterprise's profile, as its members, admins and the operators of its region see it."""

    above_designated_size: bool | None
    specialized_level: SpecializedLevel
    high_tech: bool | None
    employees_band: EmployeesBand | None
    output_band: OutputBand | None
    main_products: list[str]
    updated_at: datetime | None
    confirmed_at: datetime | None = Field(description="When an operator confirmed it; null after an edit.")
    confirmed_by: UserRef | None
