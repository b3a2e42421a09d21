from __future__ import annotations

import functools
import json

from pydantic import BaseModel, ConfigDict, Field, RootModel, model_validator

from app.db import PROJECT_ROOT
from app.kernel import Basis, RegionLevel

# Where a rule, threshold or figure the API shows comes from: the action plan (川经信规划〔2024〕73号),
# a cited regulation or catalogue, or the team's own estimate (anything neither of those states).
PLAN_DOCUMENT = "川经信规划〔2024〕73号"
BASIS_DESCRIPTION = (
    "Where this comes from: `plan` (the action plan 川经信规划〔2024〕73号), `regulation` (a cited "
    "regulation, standard or catalogue), or `estimate` (the team's assumption: in neither)."
)
SOURCE_DESCRIPTION = (
    "In Chinese: the document and article it rests on, or, for an estimate, what the estimate is based on."
)
FINANCING_TYPES_FILE = PROJECT_ROOT / "seed" / "data" / "financing_types.json"


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class RegionOut(_Out):
    code: str
    name: str
    level: RegionLevel
    parent_code: str | None = Field(description="The 市州 of a 区县, the province of a 市州.")
    pilot_year: int | None = Field(
        description="For a 技术改造试点县（市、区）: the year operators selected it (the plan's 每年遴选)."
    )


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


@functools.cache
def _financing_type_sources() -> dict[str, tuple[Basis, str]]:
    items = json.loads(FINANCING_TYPES_FILE.read_text(encoding="utf-8"))["items"]
    return {i["code"]: (i["basis"], i["source"]) for i in items}


class FinancingTypeOut(_Out):
    code: str
    name: str
    description: str
    basis: Basis = Field(default="estimate", description=BASIS_DESCRIPTION)
    source: str = Field(default="不在《行动方案》点名的金融产品之列", description=SOURCE_DESCRIPTION)

    @model_validator(mode="after")
    def _cite(self) -> FinancingTypeOut:
        # The catalog table keeps code, name and description; where each type comes from is in its
        # data file. A type added elsewhere claims nothing: it stays an estimate.
        cited = _financing_type_sources().get(self.code)
        if cited is not None:
            self.basis, self.source = cited
        return self


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
