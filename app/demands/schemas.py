from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints, model_validator

from app.i18n import invalid
from app.kernel import (
    CategoryCode,
    DemandStatus,
    EnergyGrade,
    IndustryCode,
    Money,
    OrganizationRef,
    PositiveMoney,
    RegionCode,
    TaskType,
)
from app.kit.inputs import InputDate, StrictInput
from app.matching.schemas import Priority

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class OldEquipment(StrictInput):
    age_years: int = Field(ge=0, le=100)
    energy_grade: EnergyGrade | None = None
    below_energy_baseline: bool = Field(default=False, description="Below the 能效基准水平 of its industry.")


class FinancingNeed(StrictInput):
    amount_cny: PositiveMoney
    term_months: int = Field(ge=1, le=360)


class Needs(StrictInput):
    equipment: bool = False
    design: bool = False
    engineering: bool = False
    financing: FinancingNeed | None = None


def _check_budget(budget_min: int | None, budget_max: int | None) -> None:
    if budget_min is not None and budget_max is not None and budget_min > budget_max:
        raise invalid(
            "budget_max_cny must be at least budget_min_cny", "budget_max_cny 不能小于 budget_min_cny"
        )


class DemandCreate(StrictInput):
    title: Title
    description: str = Field(default="", max_length=5000)
    task_type: TaskType
    industry_code: IndustryCode
    region_code: RegionCode
    category_codes: list[CategoryCode] = Field(min_length=1, max_length=10)
    quantity: int | None = Field(default=None, ge=1, le=100_000)
    budget_min_cny: Money
    budget_max_cny: Money
    expected_start: InputDate | None = None
    old_equipment: OldEquipment | None = None
    required_energy_grade: EnergyGrade | None = None
    needs: Needs
    share_with_banks: bool = False

    @model_validator(mode="after")
    def _coherent(self) -> DemandCreate:
        _check_budget(self.budget_min_cny, self.budget_max_cny)
        return self


class DemandUpdate(StrictInput):
    """Any field of the demand; status and contracted amounts change only through actions."""

    title: Title | None = None
    description: str | None = Field(default=None, max_length=5000)
    task_type: TaskType | None = None
    industry_code: IndustryCode | None = None
    region_code: RegionCode | None = None
    category_codes: list[CategoryCode] | None = Field(default=None, min_length=1, max_length=10)
    quantity: int | None = Field(default=None, ge=1, le=100_000)
    budget_min_cny: Money | None = None
    budget_max_cny: Money | None = None
    expected_start: InputDate | None = None
    old_equipment: OldEquipment | None = None
    required_energy_grade: EnergyGrade | None = None
    needs: Needs | None = None
    share_with_banks: bool | None = None


class NeedsOut(BaseModel):
    equipment: bool
    design: bool
    engineering: bool
    financing: FinancingNeed | None = Field(default=None, description="Owner and admins only.")


class DemandOut(BaseModel):
    """Public summary for everyone; financing facts and contract figures for the owner and admins only."""

    id: uuid.UUID
    title: str
    description: str
    task_type: str
    industry_code: str
    region_code: str
    category_codes: list[str]
    quantity: int | None
    budget_min_cny: int
    budget_max_cny: int
    expected_start: date | None
    old_equipment: OldEquipment | None
    required_energy_grade: int | None
    needs: NeedsOut
    priority: Priority = Field(
        description="The plan's priority rules this demand triggers (old machine tools, below the energy "
        "baseline, old safety-critical equipment); they raise its priority in matching."
    )
    status: DemandStatus
    organization: OrganizationRef
    published_at: datetime | None
    share_with_banks: bool | None = None
    contracted_amount_cny: int | None = None
    plan_item_id: uuid.UUID | None = Field(
        default=None,
        description="The 一对一技改方案 item this demand was made from (POST /plan-items/{id}/accept).",
    )
    created_at: datetime
    updated_at: datetime


class DemandList(BaseModel):
    items: list[DemandOut]
    next_cursor: str | None
