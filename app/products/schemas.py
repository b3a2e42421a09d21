from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from app.i18n import invalid
from app.kernel import (
    CategoryCode,
    EnergyGrade,
    IndustryCode,
    Money,
    OrganizationRef,
    ProductStatus,
    RegionCode,
)
from app.kit.inputs import StrictInput

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
ModelNumber = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Certification = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


def _unique(values: list[str] | None) -> list[str] | None:
    if values is not None and len(set(values)) != len(values):
        raise invalid("values must not repeat", "取值不能重复")
    return values


class ProductCreate(StrictInput):
    name: Name
    model: ModelNumber
    category_code: CategoryCode
    industry_codes: list[IndustryCode] = Field(default_factory=list, max_length=20)
    description: str = Field(default="", max_length=5000)
    price_min_cny: Money
    price_max_cny: Money
    energy_grade: EnergyGrade | None = None
    made_in_sichuan: bool = False
    service_region_codes: list[RegionCode] = Field(
        default_factory=list, max_length=21, description="Empty means the whole province."
    )
    lead_time_days: int | None = Field(default=None, ge=0, le=3650)
    certifications: list[Certification] = Field(default_factory=list, max_length=20)

    _unique_lists = field_validator("industry_codes", "service_region_codes", "certifications")(_unique)

    @model_validator(mode="after")
    def _price_range(self) -> ProductCreate:
        if self.price_min_cny > self.price_max_cny:
            raise invalid(
                "price_max_cny must be at least price_min_cny", "price_max_cny 不能小于 price_min_cny"
            )
        return self


class ProductUpdate(StrictInput):
    name: Name | None = None
    model: ModelNumber | None = None
    category_code: CategoryCode | None = None
    industry_codes: list[IndustryCode] | None = Field(default=None, max_length=20)
    description: str | None = Field(default=None, max_length=5000)
    price_min_cny: Money | None = None
    price_max_cny: Money | None = None
    energy_grade: EnergyGrade | None = None
    made_in_sichuan: bool | None = None
    service_region_codes: list[RegionCode] | None = Field(default=None, max_length=21)
    lead_time_days: int | None = Field(default=None, ge=0, le=3650)
    certifications: list[Certification] | None = Field(default=None, max_length=20)

    _unique_lists = field_validator("industry_codes", "service_region_codes", "certifications")(_unique)


class ProductReviewIn(StrictInput):
    decision: Literal["approve", "reject"]
    note: str = Field(default="", max_length=2000, validate_default=True)
    made_in_sichuan_confirmed: bool | None = Field(
        default=None,
        description="The admin's check of the supplier's 四川造 claim. Approving a product that claims "
        "四川造 without it confirms the claim (true); send false to list it without the mark.",
    )

    @field_validator("note")
    @classmethod
    def _note_for_reject(cls, value: str, info: ValidationInfo) -> str:
        if info.data.get("decision") == "reject" and not value.strip():
            raise invalid(
                "a rejection needs a note telling the supplier why", "驳回时需要填写说明，告诉供应商原因"
            )
        return value.strip()


class ProductOut(BaseModel):
    id: uuid.UUID
    name: str
    model: str
    category_code: str
    industry_codes: list[str]
    description: str
    price_min_cny: int
    price_max_cny: int
    energy_grade: int | None
    made_in_sichuan: bool = Field(description="The supplier's claim.")
    made_in_sichuan_verified: bool = Field(description="Confirmed by an admin at review.")
    service_region_codes: list[str]
    lead_time_days: int | None
    certifications: list[str]
    status: ProductStatus
    supplier: OrganizationRef
    listed_at: datetime | None
    review_note: str | None = Field(default=None, description="Owner and admins only.")
    created_at: datetime
    updated_at: datetime


class ProductList(BaseModel):
    items: list[ProductOut]
    next_cursor: str | None
