from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints, field_validator

from app.i18n import invalid
from app.kernel import Basis, CategoryCode, EliminationCatalogue, Money, today_in_sichuan
from app.kit.inputs import StrictInput

Text100 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
FIRST_YEAR = 1950


class EquipmentFields(StrictInput):
    category_code: CategoryCode = Field(description="From GET /catalog/equipment-categories.")
    model: Text100
    maker: Text100
    in_service_year: int = Field(
        ge=FIRST_YEAR, description="The year it went into service: not in the future."
    )
    count: int = Field(default=1, ge=1, le=100_000)
    energy_grade: int | None = Field(default=None, ge=1, le=5, description="能效等级 (1 is best).")
    original_value_cny: Money | None = Field(default=None, description="原值: what it cost, yuan.")
    below_energy_baseline: bool = Field(
        default=False, description="Its efficiency is below the 能效基准水平 (as the enterprise knows it)."
    )
    elimination_catalogue: EliminationCatalogue | None = Field(
        default=None,
        description="The elimination catalogue (淘汰目录) that lists this equipment, if one does.",
    )
    elimination_entry: str | None = Field(
        default=None, max_length=200, description="The catalogue's entry, e.g. 淘汰类 一、（一）3."
    )
    note: str = Field(default="", max_length=2000)


class EquipmentIn(EquipmentFields):
    @field_validator("in_service_year")
    @classmethod
    def _not_in_the_future(cls, year: int) -> int:
        check_year(year)
        return year


def check_year(year: int | None) -> None:
    if year is not None and year > today_in_sichuan().year:
        raise invalid(f"in_service_year {year} is in the future", f"投运年份 {year} 晚于今年")


class EquipmentUpdate(StrictInput):
    """Only the fields sent change."""

    category_code: CategoryCode | None = None
    model: Text100 | None = None
    maker: Text100 | None = None
    in_service_year: int | None = Field(default=None, ge=FIRST_YEAR)
    count: int | None = Field(default=None, ge=1, le=100_000)
    energy_grade: int | None = Field(default=None, ge=1, le=5)
    original_value_cny: Money | None = None
    below_energy_baseline: bool | None = None
    elimination_catalogue: EliminationCatalogue | None = None
    elimination_entry: str | None = Field(default=None, max_length=200)
    note: str | None = Field(default=None, max_length=2000)


class EquipmentFlag(BaseModel):
    """One of the plan's priority rules this item meets."""

    rule: str = Field(
        description="old_machine_tool | below_energy_baseline | old_safety_critical | elimination_catalogue"
    )
    label: str
    detail: str
    basis: Basis
    source: str


class EquipmentOut(BaseModel):
    id: uuid.UUID
    organization_id: uuid.UUID
    category_code: str
    category_name: str
    model: str
    maker: str
    in_service_year: int
    age_years: int = Field(description="Years in service this year (Sichuan's calendar).")
    count: int
    energy_grade: int | None
    original_value_cny: int | None
    below_energy_baseline: bool
    elimination_catalogue: EliminationCatalogue | None
    elimination_entry: str | None
    note: str
    flags: list[EquipmentFlag]
    created_at: datetime
    updated_at: datetime


class EquipmentSummary(BaseModel):
    items: int
    units: int = Field(description="Σ count.")
    flagged_items: int
    original_value_cny: int


class EquipmentList(BaseModel):
    items: list[EquipmentOut]
    next_cursor: str | None
    summary: EquipmentSummary = Field(description="The whole inventory, not just this page.")
