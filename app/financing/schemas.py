from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints, field_validator, model_validator

from app.i18n import invalid
from app.kernel import IndustryCode, OrganizationRef, PositiveMoney, RegionCode, TaskType
from app.kit.inputs import InputDecimal, StrictInput

FinancingTypeCode = Annotated[str, StringConstraints(pattern=r"^[a-z_]+$", max_length=40)]
Rate = Annotated[
    InputDecimal, Field(ge=0, le=100, max_digits=5, decimal_places=2, description="Annual rate, %.")
]
Months = Annotated[int, Field(ge=1, le=360)]


def _unique(values: list[str] | None) -> list[str] | None:
    if values is not None and len(set(values)) != len(values):
        raise invalid("values must not repeat", "取值不能重复")
    return values


class FinancingProductCreate(StrictInput):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    financing_type: FinancingTypeCode
    description: str = Field(default="", max_length=5000)
    amount_min_cny: PositiveMoney
    amount_max_cny: PositiveMoney
    term_min_months: Months
    term_max_months: Months
    rate_min_pct: Rate | None = None
    rate_max_pct: Rate | None = None
    region_codes: list[RegionCode] = Field(
        default_factory=list, max_length=21, description="Empty: all 市州."
    )
    industry_codes: list[IndustryCode] = Field(
        default_factory=list, max_length=50, description="Empty: every industry."
    )
    task_types: list[TaskType] = Field(default_factory=list, max_length=5, description="Empty: every task.")
    relending_eligible: bool = Field(default=False, description="Eligible for 科技创新和技术改造再贷款.")

    _unique_lists = field_validator("region_codes", "industry_codes", "task_types")(_unique)

    @model_validator(mode="after")
    def _ranges(self) -> FinancingProductCreate:
        if self.amount_min_cny > self.amount_max_cny:
            raise invalid(
                "amount_max_cny must be at least amount_min_cny", "amount_max_cny 不能小于 amount_min_cny"
            )
        if self.term_min_months > self.term_max_months:
            raise invalid(
                "term_max_months must be at least term_min_months", "term_max_months 不能小于 term_min_months"
            )
        if (
            self.rate_min_pct is not None
            and self.rate_max_pct is not None
            and self.rate_min_pct > self.rate_max_pct
        ):
            raise invalid("rate_max_pct must be at least rate_min_pct", "rate_max_pct 不能小于 rate_min_pct")
        return self


class FinancingProductUpdate(StrictInput):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)] | None = None
    description: str | None = Field(default=None, max_length=5000)
    amount_min_cny: PositiveMoney | None = None
    amount_max_cny: PositiveMoney | None = None
    term_min_months: Months | None = None
    term_max_months: Months | None = None
    rate_min_pct: Rate | None = None
    rate_max_pct: Rate | None = None
    region_codes: list[RegionCode] | None = Field(default=None, max_length=21)
    industry_codes: list[IndustryCode] | None = Field(default=None, max_length=50)
    task_types: list[TaskType] | None = Field(default=None, max_length=5)
    relending_eligible: bool | None = None
    is_active: bool | None = Field(default=None, description="false takes the product off the public list.")

    _unique_lists = field_validator("region_codes", "industry_codes", "task_types")(_unique)


class FinancingProductOut(BaseModel):
    id: uuid.UUID
    name: str
    financing_type: str
    description: str
    amount_min_cny: int
    amount_max_cny: int
    term_min_months: int
    term_max_months: int
    rate_min_pct: float | None
    rate_max_pct: float | None
    region_codes: list[str]
    industry_codes: list[str]
    task_types: list[str]
    relending_eligible: bool
    is_active: bool
    bank: OrganizationRef
    created_at: datetime
    updated_at: datetime


class FinancingProductList(BaseModel):
    items: list[FinancingProductOut]
    next_cursor: str | None
