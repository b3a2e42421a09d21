from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, RootModel


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class RegionOut(_Out):
    code: str
    name: str


class IndustryOut(_Out):
    code: str
    name: str
    parent_code: str | None
    sector: str | None
    plan_terms: list[str]


class EquipmentCategoryOut(_Out):
    code: str
    name: str
    parent_code: str | None
    task_types: list[str]
    aliases: list[str]


class TaskTypeOut(_Out):
    code: str
    name: str
    description: str


class FinancingTypeOut(_Out):
    code: str
    name: str
    description: str


class RegionList(BaseModel):
    items: list[RegionOut]


class IndustryList(BaseModel):
    items: list[IndustryOut]


class EquipmentCategoryList(BaseModel):
    items: list[EquipmentCategoryOut]


class TaskTypeList(BaseModel):
    items: list[TaskTypeOut]


class FinancingTypeList(BaseModel):
    items: list[FinancingTypeOut]


class EnumLabel(BaseModel):
    zh: str = Field(description="What the app shows (Chinese).")
    en: str


class EnumLabels(RootModel[dict[str, dict[str, EnumLabel]]]):
    """`{enum_name: {value: {zh, en}}}` for every enum the API uses, named as its OpenAPI component."""
