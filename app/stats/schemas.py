"""The statistics operators read: demand, matching, contract and financing figures against the plan."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from app.catalog.schemas import BASIS_DESCRIPTION, SOURCE_DESCRIPTION
from app.kernel import Basis


class _Out(BaseModel):
    model_config = ConfigDict(populate_by_name=True)


class Period(_Out):
    from_: date | None = Field(default=None, alias="from", serialization_alias="from")
    to: date | None = None


class DemandCounts(_Out):
    total: int = Field(description="Demands posted (published at least once) in the period.")
    by_status: dict[str, int] = Field(
        description="Their status now: published, contracted, completed, closed."
    )
    matched: int = Field(description="Posted demands with a quote, a shortlisted match, or a contract.")
    contracted: int = Field(description="Posted demands with an accepted quote.")
    financed: int = Field(description="Posted demands a bank has approved a loan for (a lead approved).")


class Investment(_Out):
    posted: int = Field(description="Sum of the posted demands' budget ceilings, in yuan.")
    matched: int = Field(description="Sum of the matched demands' budget ceilings, in yuan.")
    contracted: int = Field(description="Sum of the contracted amounts (accepted quotes), in yuan.")
    financed: int = Field(description="Sum of the financing asked for by demands a bank approved, in yuan.")


class Group(_Out):
    code: str
    name: str
    demands: int
    posted_cny: int
    matched: int
    matched_cny: int
    contracted: int
    contracted_cny: int
    financed: int
    financed_cny: int


class Month(_Out):
    month: str = Field(description="YYYY-MM, Beijing time.", examples=["2026-05"])
    posted: int = Field(description="Demands first published this month.")
    posted_cny: int
    contracted: int = Field(description="Demands of the period contracted this month.")
    contracted_cny: int


class PlanTargetProgress(_Out):
    code: str
    name: str
    target: float
    unit: Literal["CNY", "ratio"]
    comparison: Literal[">", "="]
    baseline: str | None
    deadline: date
    measured: bool = Field(description="Whether the platform measures this target at all.")
    current: float | None = Field(
        description="The platform's own figure; null when it is not measured here, or has no data yet."
    )
    progress: float | None = Field(description="current / target, or null.")
    measure_note: str
    basis: Basis = Field(
        default="plan",
        description="Where the target comes from (all five are the plan's). " + BASIS_DESCRIPTION,
    )
    source: str = Field(default="川经信规划〔2024〕73号 一、总体要求", description=SOURCE_DESCRIPTION)


class Overview(_Out):
    period: Period
    region_code: str | None
    demands: DemandCounts
    investment_cny: Investment
    by_region: list[Group] = Field(description="Every 市州, in GB/T 2260 order.")
    by_industry: list[Group] = Field(description="By GB/T 4754 大类 (division), largest first.")
    by_sector: list[Group] = Field(description="By Sichuan's 六大优势产业, largest first.")
    by_task_type: list[Group] = Field(description="The plan's five key tasks, in the plan's order.")
    by_month: list[Month]
    targets: dict[str, PlanTargetProgress] = Field(
        description="The plan's 2027 targets, province-wide over the plan period whatever the filters."
    )
    targets_source: str
    generated_at: datetime


class CoverageRow(BaseModel):
    """One 市州 or 区县: how far the 全川行 diagnoses and what followed them have come."""

    region_code: str
    name: str
    above_size_enterprises: int = Field(description="规上 enterprises located there (their profile says so).")
    diagnosed: int = Field(description="Of those, how many a 服务专员 has visited for a diagnosis.")
    diagnosed_pct: float | None = Field(description="diagnosed / above_size_enterprises × 100.")
    target_pct: float | None = Field(description="The coverage target operators set (inherited from above).")
    plans_delivered: int = Field(description="一对一技改方案 delivered there.")
    items_to_demands: int = Field(description="Plan items the enterprises turned into demands.")
    applications_by_status: dict[str, int] = Field(description="申报 by stage.")
    granted_cny: int = Field(description="Σ granted by applications.")


class Coverage(BaseModel):
    region_code: str = Field(
        description="The region asked about: the province gives its 市州, a 市州 its 区县."
    )
    level: str = Field(description="The rows' level: city or county.")
    total: CoverageRow
    rows: list[CoverageRow]
